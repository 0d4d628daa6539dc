import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { ADMIN_AUTH, AdminTokenGuard, ApiError, AuditRows } from '@tracking/http';
import { EventTriggersRepository } from '../triggers/event-triggers.repository';

const PRINTABLE = /^[\x20-\x7e]{1,1000}$/;

/**
 * Operators' API (TRACKING_ADMIN_TOKEN): the triggers one event fired and their delivery attempts,
 * by the event's id and, optionally, its idempotency key. The gateway's event journey asks this with
 * the customer of the caller's own credentials.
 */
@ApiTags('automations')
@ApiBearerAuth(ADMIN_AUTH)
@Controller('api/v1/automations/:customerId/events')
@UseGuards(AdminTokenGuard)
export class EventTriggersController {
  constructor(private readonly triggers: EventTriggersRepository) {}

  @Get(':eventId/triggers')
  @AuditRows((answer: { triggers: unknown[] }) => answer.triggers.length)
  @ApiOperation({ summary: 'The triggers an event fired (by its id or its idempotency key) with their webhook delivery attempts, oldest first' })
  @ApiQuery({ name: 'idempotency_key', required: false, description: "The event's idempotency key (seed 002): also matches a trigger a retry of the event fired under another id" })
  async forEvent(
    @Param('customerId') customerId: string,
    @Param('eventId') eventId: string,
    @Query('idempotency_key') idempotencyKey: string | undefined,
  ): Promise<{ success: true; customer_id: string; event_id: string; triggers: Array<Record<string, unknown>> }> {
    if (!CUSTOMER_ID_PATTERN.test(customerId)) throw new ApiError(404, 'CUSTOMER_NOT_FOUND', `Customer ${customerId} is not configured`);
    const problems = [];
    if (!/^[\x21-\x7e]{1,128}$/.test(eventId)) problems.push({ field: 'eventId', reason: 'must be an event id of 1-128 printable characters' });
    if (idempotencyKey !== undefined && !PRINTABLE.test(idempotencyKey)) problems.push({ field: 'idempotency_key', reason: 'must be 1-1000 printable characters' });
    if (problems.length > 0) throw ApiError.invalid(problems);
    return { success: true, customer_id: customerId, event_id: eventId, triggers: await this.triggers.forEvent(customerId, eventId, idempotencyKey) };
  }
}
