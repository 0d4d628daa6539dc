import { Body, Controller, HttpCode, Options, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CustomerConfig } from '@tracking/customers';
import { AuthenticatedCustomer } from '../auth/authenticated-customer';
import { PublishableKeyGuard } from '../auth/publishable-key.guard';
import { TrackingEnabledGuard } from '../auth/tracking-enabled.guard';
import { CustomerRegistry } from '../customers/customer.registry';
import { ApiError, DocumentedBody } from '@tracking/http';
import { siteRefusalError } from '../track/site-refusal';
import type { GatewayRequest } from '../http/gateway-request';
import { API_DOCS } from '../openapi/api-docs';
import { ClientAddressRateLimitGuard, CustomerRateLimitGuard } from '../rate-limit/rate-limit.guards';
import { IngestionService } from '../track/ingestion.service';
import { bulkResponse, type BulkResponse } from '../track/track.responses';
import { CollectBodySchema, browserEvents } from './browser-batch';
import { allowOrigin } from './cors';

/** The SDK's queue holds at most 50 events (seed 002); a batch is one flush of it. */
const MAX_BROWSER_BATCH = 50;

/**
 * Browser collection (seeds 002 and 004): single or batched events with a publishable key, from
 * origins the customer allows, as JSON or as the text/plain body that navigator.sendBeacon sends.
 */
@ApiTags('browser')
@Controller('api/v1/tracking/collect')
export class CollectController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly customers: CustomerRegistry,
  ) {}

  @Options()
  @HttpCode(204)
  @ApiOperation(API_DOCS.collect.preflight)
  preflight(@Req() request: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply, @Query('customer_id') customerId?: string): void {
    const origin = request.headers.origin;
    // The preflight carries no body: with ?customer_id= it is judged for that customer, else for any.
    const allowed = origin !== undefined && this.customers.originAllowed(origin, customerId);
    if (!allowed) throw new ApiError(403, 'FORBIDDEN', `Origin ${origin ? `"${origin.slice(0, 200)}"` : '(none)'} is not allowed`);
    allowOrigin(reply, origin);
  }

  @Post()
  @HttpCode(200)
  @UseGuards(ClientAddressRateLimitGuard, PublishableKeyGuard, TrackingEnabledGuard, CustomerRateLimitGuard)
  @ApiOperation(API_DOCS.collect.operation)
  @ApiQuery({ name: 'customer_id', required: false })
  @ApiQuery({ name: 'key', required: false, description: 'Publishable key (pk_...), never a secret token' })
  @DocumentedBody(CollectBodySchema)
  @ApiResponse(API_DOCS.bulk.ok)
  @ApiResponse(API_DOCS.errors.forbidden)
  async collect(
    @Body() body: unknown,
    @AuthenticatedCustomer() customer: CustomerConfig,
    @Req() request: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BulkResponse> {
    allowOrigin(reply, request.headers.origin as string);
    const events = browserEvents(body, MAX_BROWSER_BATCH);
    const result = await this.ingestion.ingest(request, customer, events, {
      source: 'browser',
      batchId: null,
      indexed: events.length > 1 || Array.isArray((body as { events?: unknown }).events),
      awaitAcknowledgement: true,
      status: (outcome) => siteRefusalError(outcome, customer.customerId)?.status ?? 200,
    });
    const refused = siteRefusalError(result, customer.customerId);
    if (refused) throw refused;
    return bulkResponse(request, customer, null, result);
  }
}
