import { Body, Controller, Get, HttpCode, Post, Query, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type Static } from '@sinclair/typebox';
import type { CustomerConfig } from '@tracking/customers';
import { ApiError, AuditRows, RequestBody } from '@tracking/http';
import { REASON_KEYWORD } from '@tracking/ingestion';
import { AuditInterceptor } from '../../audit/audit.interceptor';
import { AuthenticatedCustomer } from '../../auth/authenticated-customer';
import type { GatewayRequest } from '../../http/gateway-request';
import { JsonBodyGuard } from '../../http/json-body.guard';
import { CustomerRateLimitGuard } from '../../rate-limit/rate-limit.guards';
import { TenantReadRepository } from '../../reporting/tenant-read.repository';
import { AdminAccessGuard, ReadAccessGuard } from '../console-access.guards';
import { SESSION_COOKIE } from '../console-cookies';
import { RedriveRepository, type RedriveMark } from './redrive.repository';
import { RedriveService, redriveIdOf, type RedriveResult } from './redrive.service';
import { rejectionFilterOf } from './rejected-filter';
import { listRejections, type RejectionRow } from './rejected.queries';

export const MAX_REDRIVE_ITEMS = 100;

export const RedriveSchema = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          id: Type.String({ minLength: 1, maxLength: 200, description: 'The rejection id (the list\'s `id`)', [REASON_KEYWORD]: 'must be a rejection id' }),
          event: Type.Unknown({ description: 'The fixed event, as for POST /api/v1/track; its event_id is replaced by the original one' }),
        },
        { additionalProperties: false, required: ['id', 'event'] },
      ),
      { minItems: 1, maxItems: MAX_REDRIVE_ITEMS, [REASON_KEYWORD]: `must hold 1 to ${MAX_REDRIVE_ITEMS} items` },
    ),
  },
  { additionalProperties: false },
);

const markView = (mark: RedriveMark) => ({
  event_id: mark.eventId,
  outcome: mark.outcome,
  first_redriven_at: mark.firstRedrivenAt.toISOString(),
  redriven_at: mark.redrivenAt.toISOString(),
  redriven_by: mark.redrivenBy,
  redrives: mark.redrives,
});

const FIELD_PREFIX = /^events\[\d+\]\./;

function rejectionView(row: RejectionRow, mark: RedriveMark | undefined) {
  const first = row.errors[0];
  return {
    id: row.id,
    source: row.origin,
    received_at: row.received_at.toISOString(),
    field: first ? first.field.replace(FIELD_PREFIX, '') : null,
    reason: first?.reason ?? null,
    errors: row.errors.map((error) => ({ field: error.field.replace(FIELD_PREFIX, ''), reason: error.reason })),
    ingest_source: row.ingest_source,
    batch_id: row.batch_id,
    event_index: row.event_index,
    event_id: row.origin === 'gateway' ? redriveIdOf(row) : row.event_id,
    key_id: row.key_id,
    payload: row.payload,
    payload_truncated: row.payload_truncated,
    redrivable: row.origin === 'gateway',
    redriven: mark ? markView(mark) : null,
  };
}

/**
 * Rejected events (issue 21): what the gateway refused and what the vault-loader marked invalid,
 * read as the tenant; and the redrive of fixed gateway refusals under their original event ids.
 */
@ApiTags('console')
@ApiCookieAuth(SESSION_COOKIE)
@ApiBearerAuth()
@ApiHeader({ name: 'X-Customer-ID', required: false, description: 'With a bearer token; an operator session may use it instead of customer_id' })
@ApiQuery({ name: 'customer_id', required: false, description: 'The customer an operator session works on' })
@Controller('console/api/rejected')
@UseInterceptors(AuditInterceptor)
export class RejectedController {
  constructor(
    private readonly reader: TenantReadRepository,
    private readonly marks: RedriveRepository,
    private readonly redrives: RedriveService,
  ) {}

  @Get()
  @UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: "The tenant's rejected events, newest first: reason, field, time, source, the payload as stored, whether redriven",
    description:
      'source gateway: refused at the edge (tracking.events.rejected.v1, kept 14 days); source loader: stored but marked INVALID by the vault-loader. The payload is the tenant\'s own data as sent (cut at 64 KB). Read scope.',
  })
  @ApiQuery({ name: 'source', required: false, enum: ['gateway', 'loader'] })
  @ApiQuery({ name: 'reason', required: false, description: 'Part of a reason, any case' })
  @ApiQuery({ name: 'field', required: false, description: 'A field as the event names it (page_url)' })
  @ApiQuery({ name: 'from', required: false, description: 'Received at or after (RFC 3339)' })
  @ApiQuery({ name: 'to', required: false, description: 'Received before (RFC 3339)' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 200, default 50' })
  @ApiQuery({ name: 'offset', required: false, description: 'Rows to skip, default 0' })
  @AuditRows((body: { rejections: unknown[] }) => body.rejections.length)
  async list(@AuthenticatedCustomer() customer: CustomerConfig, @Query() query: Record<string, unknown>): Promise<object> {
    const filter = rejectionFilterOf(query);
    const tenantHk = Buffer.from(customer.tenantHk, 'hex');
    const page = await this.reader.read(customer.tenantHk, (read) => listRejections(read, tenantHk, filter));
    const marks = await this.marks.marks(tenantHk, page.rows.filter((row) => row.origin === 'gateway').map((row) => row.id));
    return {
      customer_id: customer.customerId,
      total: page.total,
      limit: filter.limit,
      offset: filter.offset,
      rejections: page.rows.map((row) => rejectionView(row, marks.get(row.id))),
      timestamp: new Date().toISOString(),
    };
  }

  // The body's check (RequestBody) runs after the guards below: who may not redrive learns nothing of the body.
  @RequestBody(RedriveSchema, { subject: 'redrive' })
  @Post('redrive')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard, AdminAccessGuard, CustomerRateLimitGuard)
  @ApiOperation({
    summary: 'Sends fixed rejected events again, each under its original event id (admin scope)',
    description:
      'Each item goes through the very ingestion path of POST /api/v1/track (validation, privacy rules, acknowledged write) under the refused payload\'s own event id, or one derived from the rejection id when it had none, so a redrive sent twice is kept once. Answered item by item: status 200 once Kafka acknowledged (outcome accepted, or dropped by consent rules), else the item\'s 4xx with its field errors (503 when Kafka is unavailable). With one item the answer\'s status is that item\'s. A refused item writes no new rejection.',
  })
  @ApiResponse({ status: 200, description: 'results: one per item, in order' })
  @ApiResponse({ status: 400, description: 'One item, refused again: INVALID_REQUEST with the field errors' })
  @AuditRows((body: { results: unknown[] }) => body.results.length)
  async redrive(
    @AuthenticatedCustomer() customer: CustomerConfig,
    @Body() body: Static<typeof RedriveSchema>,
    @Req() request: GatewayRequest,
  ): Promise<object> {
    const results: RedriveResult[] = await this.redrives.redrive(request, customer, body.items);
    const only = results.length === 1 ? results[0] : undefined;
    if (only && only.outcome === 'refused') throw new ApiError(only.status, only.error.code as ApiError['code'], only.error.message, only.error.details);
    return {
      customer_id: customer.customerId,
      accepted: results.filter((result) => result.outcome === 'accepted').length,
      dropped: results.filter((result) => result.outcome === 'dropped').length,
      refused: results.filter((result) => result.outcome === 'refused').length,
      results: results.map((result) => (result.outcome === 'refused' ? result : { ...result, redriven: markView(result.redriven) })),
      timestamp: new Date().toISOString(),
    };
  }
}
