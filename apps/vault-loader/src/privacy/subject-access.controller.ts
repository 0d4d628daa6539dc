import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ADMIN_AUTH, AdminTokenGuard, ApiError, AuditRows, RequestBody } from '@tracking/http';
import type { Static } from '@sinclair/typebox';
import { ErasureRequestSchema } from './privacy.controller';
import { SubjectAccessService, type SubjectAccessReport } from './subject-access.service';

/** Whom to describe: the same shape as an erasure request (customer, visitor id and/or user id). */
export const AccessRequestSchema = ErasureRequestSchema;

/**
 * GDPR art. 15 (access) and 20 (portability) on the loader's port, for operators
 * (TRACKING_ADMIN_TOKEN): everything held about a person within one customer, as JSON. Audited
 * like every admin route, with the number of events and exported records returned; the audit
 * record keeps the subject's ids only as hash keys.
 */
@ApiTags('privacy')
@ApiBearerAuth(ADMIN_AUTH)
@Controller('api/v1/privacy')
@UseGuards(AdminTokenGuard)
export class SubjectAccessController {
  constructor(private readonly access: SubjectAccessService) {}

  @Post('access')
  @HttpCode(200)
  @RequestBody(AccessRequestSchema)
  @AuditRows((report: SubjectAccessReport) => report.vault.events.length + (report.exports?.records.length ?? 0))
  @ApiOperation({
    summary: "Everything held about a person (GDPR art. 15 and 20): the vault's events, sessions, visitor and user details, and the exported records",
    description:
      'The ids are expanded as an erasure expands them (every visitor and user id seen on the same events, until nothing new turns up). `complete` is false, and `missing` names the part and why, when the exporter could not be asked (EXPORTER_URL unset, away, or refusing): the vault part is still given.',
  })
  @ApiResponse({ status: 200, description: 'The subject access report' })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: details name the field' })
  async report(@Body() body: Static<typeof AccessRequestSchema>): Promise<{ success: true } & SubjectAccessReport> {
    const { customer_id: customerId, visitor_id: visitorId, user_id: userId } = body;
    if (visitorId === undefined && userId === undefined) throw new ApiError(400, 'INVALID_REQUEST', 'Invalid request: name the person by visitor_id, user_id or both');
    return { success: true, ...(await this.access.access({ customerId, visitorId, userId })) };
  }
}
