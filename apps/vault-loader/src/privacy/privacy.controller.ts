import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { ADMIN_AUTH, AdminTokenGuard, ApiError, RequestBody } from '@tracking/http';
import { REASON_KEYWORD } from '@tracking/ingestion';
import { ERASURE_LIST, ERASURE_REPORTS, ErasureList, ErasureReports, erasureStatus, type ErasureStatus } from '@tracking/privacy';
import type { ErasureResult } from './erasure.repository';
import { ErasureService } from './erasure.service';
import { RetentionJob, type PurgeReport } from './retention.job';

const ID = /^[\x21-\x7e]{1,255}$/;
const personId = (description: string) =>
  Type.Optional(Type.String({ pattern: ID.source, description, [REASON_KEYWORD]: 'must be an id of 1-255 printable characters' }));

/** Whom to erase; at least one of visitor_id and user_id (checked by the handler: a schema would name no field). */
export const ErasureRequestSchema = Type.Object(
  {
    customer_id: Type.String({ pattern: CUSTOMER_ID_PATTERN.source, [REASON_KEYWORD]: 'must be a customer id' }),
    visitor_id: personId('The visitor id the events carried'),
    user_id: personId('The user id the events carried'),
    requested_by: Type.Optional(
      Type.String({ pattern: ID.source, description: 'Who asks (the operator, a ticket id); recorded with the request, never the subject', [REASON_KEYWORD]: 'must be 1-255 printable characters' }),
    ),
  },
  { additionalProperties: false },
);

/** How long a status read waits for the request and the reports just written to arrive. */
const STATUS_FRESHNESS_MS = 2000;

/**
 * Privacy operations on the loader's own port, for operators (TRACKING_ADMIN_TOKEN): erase a person
 * by visitor or user id (a platform-wide request, issue 20), read each request's status per place,
 * and run the retention purge now instead of waiting for its timer.
 */
@ApiTags('privacy')
@ApiBearerAuth(ADMIN_AUTH)
@Controller('api/v1/privacy')
@UseGuards(AdminTokenGuard)
export class PrivacyController {
  constructor(
    private readonly erasures: ErasureService,
    private readonly retention: RetentionJob,
    @Inject(ERASURE_LIST) private readonly list: ErasureList,
    @Inject(ERASURE_REPORTS) private readonly reports: ErasureReports,
  ) {}

  @Post('erasures')
  @HttpCode(200)
  @RequestBody(ErasureRequestSchema)
  @ApiOperation({
    summary:
      "Erase a person everywhere, by visitor id, user id or both: recorded on privacy.erasures.v1 (hashes only) for every service, applied to the vault now (events, sessions and identifiers)",
  })
  @ApiResponse({ status: 200, description: "What the vault erased, table by table, and the request's id for its status" })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: details name the field' })
  async erase(@Body() body: Static<typeof ErasureRequestSchema>): Promise<ErasureResult> {
    const { customer_id: customerId, visitor_id: visitorId, user_id: userId, requested_by: requestedBy } = body;
    if (visitorId === undefined && userId === undefined) throw new ApiError(400, 'INVALID_REQUEST', 'Invalid request: name the person by visitor_id, user_id or both');
    return this.erasures.request({ customerId, visitorId, userId, requestedBy: requestedBy ?? 'admin API' });
  }

  @Get('erasures/:requestId')
  @ApiOperation({ summary: 'One erasure request and, per place (vault, exporter, automation-trigger), its state, what it found and removed, and when' })
  @ApiResponse({ status: 200, description: "The request (subjects counted, never named) and each place's report; a place that has not reported is pending" })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no such request' })
  @ApiResponse({ status: 503, description: 'SERVICE_UNAVAILABLE: the erasure list or its reports are not read yet' })
  async erasure(@Param('requestId') requestId: string): Promise<ErasureStatus> {
    await this.fresh();
    const request = this.list.requests().find((candidate) => candidate.request_id === requestId);
    if (!request) throw new ApiError(404, 'NOT_FOUND', `No erasure request ${requestId}`);
    return erasureStatus(request, this.reports.forRequest(requestId));
  }

  @Get('erasures')
  @ApiOperation({ summary: "A customer's erasure requests, oldest first, each with its state per place" })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: customer_id missing or not a customer id' })
  @ApiResponse({ status: 503, description: 'SERVICE_UNAVAILABLE: the erasure list or its reports are not read yet' })
  async erasuresOf(@Query('customer_id') customerId: string | undefined): Promise<{ customer_id: string; requests: ErasureStatus[] }> {
    if (customerId === undefined || !CUSTOMER_ID_PATTERN.test(customerId)) throw new ApiError(400, 'INVALID_REQUEST', 'Invalid request: customer_id must be a customer id', [{ field: 'customer_id', reason: 'must be a customer id' }]);
    await this.fresh();
    return { customer_id: customerId, requests: this.list.requests(customerId).map((request) => erasureStatus(request, this.reports.forRequest(request.request_id))) };
  }

  /** Waits (briefly) until both followers have read what was written before this call. */
  private async fresh(): Promise<void> {
    if (!this.list.ready || !this.reports.ready) throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'The erasure list or its reports are not read yet; try again shortly');
    await Promise.all([this.list.refresh(STATUS_FRESHNESS_MS), this.reports.refresh(STATUS_FRESHNESS_MS)]);
  }

  @Post('retention/run')
  @HttpCode(200)
  @ApiOperation({ summary: "Run the retention purge now (each customer's data_retention_days) instead of waiting for its timer" })
  @ApiResponse({ status: 409, description: 'CONFLICT: another loader instance is running the purge' })
  async purge(): Promise<{ purged: PurgeReport; partitions_dropped: Record<string, number> }> {
    const outcome = await this.retention.runOnce({ force: true });
    if (!outcome.ran) throw new ApiError(409, 'CONFLICT', 'Another vault-loader instance is running the retention purge; try again when it has finished');
    return { purged: outcome.result.purged, partitions_dropped: outcome.result.partitionsDropped };
  }
}
