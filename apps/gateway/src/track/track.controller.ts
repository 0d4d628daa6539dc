import { Body, Controller, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { CustomerConfig } from '@tracking/customers';
import { RequireScope } from '../auth/api-token.guard';
import { AuthenticatedCustomer } from '../auth/authenticated-customer';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ApiError, DocumentedBody } from '@tracking/http';
import { BulkTrackSchema, TrackEventSchema } from '@tracking/ingestion';
import type { GatewayRequest } from '../http/gateway-request';
import { API_DOCS } from '../openapi/api-docs';
import { parseBulkEnvelope } from './bulk-envelope';
import { IngestionGuard } from './ingestion.guard';
import { IngestionService } from './ingestion.service';
import { singleEventStatus, siteRefusalError } from './site-refusal';
import { bulkResponse, trackResponse, type BulkResponse, type TrackResponse } from './track.responses';

@ApiTags('tracking')
@ApiBearerAuth()
@ApiHeader({ name: 'X-Customer-ID', required: true, description: 'The customer (tenant) the token belongs to' })
@Controller('api/v1/track')
@RequireScope('ingest')
// The address limit, JSON only, the token, the switches and the customer's limits, in that order (see IngestionGuard).
@UseGuards(IngestionGuard)
export class TrackController {
  constructor(
    private readonly ingestion: IngestionService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation(API_DOCS.track.operation)
  @DocumentedBody(TrackEventSchema, { examples: API_DOCS.track.examples })
  @ApiResponse(API_DOCS.track.ok)
  @ApiResponse(API_DOCS.errors.invalid)
  @ApiResponse(API_DOCS.errors.unauthorized)
  @ApiResponse(API_DOCS.errors.forbidden)
  @ApiResponse(API_DOCS.errors.notFound)
  @ApiResponse(API_DOCS.errors.rateLimited)
  @ApiResponse(API_DOCS.errors.unavailable)
  async track(@Body() body: unknown, @AuthenticatedCustomer() customer: CustomerConfig, @Req() request: GatewayRequest): Promise<TrackResponse> {
    const result = await this.ingestion.ingest(request, customer, [body], {
      source: 'api',
      batchId: null,
      indexed: false,
      awaitAcknowledgement: true,
      status: (outcome) => singleEventStatus(outcome, 200, customer.customerId),
    });
    if (result.rejected.length > 0) throw siteRefusalError(result, customer.customerId) ?? ApiError.invalid(result.rejected[0].errors);
    return trackResponse(request, customer, result, 'Event tracked successfully with customer configuration');
  }

  @Post('bulk')
  @HttpCode(200)
  @ApiOperation(API_DOCS.bulk.operation)
  @DocumentedBody(BulkTrackSchema, { examples: API_DOCS.bulk.examples })
  @ApiResponse(API_DOCS.bulk.ok)
  @ApiResponse(API_DOCS.errors.invalid)
  @ApiResponse(API_DOCS.errors.forbidden)
  @ApiResponse(API_DOCS.errors.tooLarge)
  @ApiResponse(API_DOCS.errors.rateLimited)
  async bulk(@Body() body: unknown, @AuthenticatedCustomer() customer: CustomerConfig, @Req() request: GatewayRequest): Promise<BulkResponse> {
    const { batchId, events } = parseBulkEnvelope(body, this.config.maxBulkEvents);
    const result = await this.ingestion.ingest(request, customer, events, {
      source: 'bulk',
      batchId,
      indexed: true,
      awaitAcknowledgement: true,
      status: (outcome) => siteRefusalError(outcome, customer.customerId)?.status ?? 200,
    });
    const refused = siteRefusalError(result, customer.customerId);
    if (refused) throw refused;
    return bulkResponse(request, customer, batchId, result);
  }

  @Post('async')
  @HttpCode(202)
  @ApiOperation(API_DOCS.async.operation)
  @DocumentedBody(TrackEventSchema, { examples: API_DOCS.track.examples })
  @ApiResponse(API_DOCS.async.accepted)
  @ApiResponse(API_DOCS.errors.invalid)
  async trackAsync(@Body() body: unknown, @AuthenticatedCustomer() customer: CustomerConfig, @Req() request: GatewayRequest): Promise<TrackResponse> {
    const result = await this.ingestion.ingest(request, customer, [body], {
      source: 'async',
      batchId: null,
      indexed: false,
      awaitAcknowledgement: false,
      status: (outcome) => singleEventStatus(outcome, 202, customer.customerId),
    });
    if (result.rejected.length > 0) throw siteRefusalError(result, customer.customerId) ?? ApiError.invalid(result.rejected[0].errors);
    return trackResponse(request, customer, result, 'Event accepted for asynchronous processing; not yet acknowledged by Kafka');
  }
}
