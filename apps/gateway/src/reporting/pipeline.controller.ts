import { Controller, Get, HttpCode, Inject, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { CustomerConfig } from '@tracking/customers';
import { AuthenticatedCustomer } from '../auth/authenticated-customer';
import { ReadAccessGuard } from '../console/console-access.guards';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { CustomerRateLimitGuard } from '../rate-limit/rate-limit.guards';
import { ApiError, AuditRows, listedRows } from '@tracking/http';
import { AuditInterceptor } from '../audit/audit.interceptor';
import { parseSiteFilter } from './analytics-filters';
import { ConsumerLagService } from './consumer-lag.service';
import { PipelineProcessor } from './pipeline-processor';
import { eventCounts, layerBacklog, lastProcessed, processingPerformance, qualityMetrics, recentEvents } from './pipeline.queries';
import { TenantReadRepository } from './tenant-read.repository';
import { storageUsageAnswer } from '../usage/storage-usage';
import { StorageUsageRepository } from '../usage/storage-usage.repository';

/**
 * Waits for both, then fails with the first failure: a request must not end (and the app not shut
 * down) while the other half still talks to Kafka or PostgreSQL.
 */
async function settled<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [first, second] = await Promise.allSettled([a, b]);
  if (first.status === 'rejected') throw first.reason;
  if (second.status === 'rejected') throw second.reason;
  return [first.value, second.value];
}

const PROCESS_TIMEOUT_MS = { default: 10_000, max: 60_000 };

const SITE_QUERY = {
  name: 'site_id',
  required: false,
  description: "Only this site's events in the event figures (recent events, quality, counts, latest event); backlog, lag and processing stay service-wide",
} as const;
/** Named in the answer only when given: an answer without a site filter stays what it was before sites. */
const siteField = (siteId: string | undefined): object => (siteId === undefined ? {} : { site_id: siteId });

/** Seed 001's pipeline status, dashboard and manual trigger, for the authenticated customer's tenant; each call audited. */
@ApiTags('pipeline')
@ApiBearerAuth()
@ApiHeader({ name: 'X-Customer-ID', required: false, description: 'With a bearer token (read scope); a console session reads its own tenant, an operator session names it here or as customer_id' })
@ApiCookieAuth('console_session')
@Controller('api/v1/track')
@UseGuards(ReadAccessGuard, CustomerRateLimitGuard)
@UseInterceptors(AuditInterceptor)
export class PipelineController {
  constructor(
    private readonly reader: TenantReadRepository,
    private readonly lag: ConsumerLagService,
    private readonly processor: PipelineProcessor,
    private readonly usage: StorageUsageRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'consumerGroups'>,
  ) {}

  @Post('process')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Manual pipeline trigger: make what was sent visible everywhere now',
    description:
      "Closes this tenant's open export objects and waits (up to timeout_ms) until the vault loader, the automation trigger and the exporter have committed every event the gateway acknowledged before the call. processing_status is `completed` when they have, `pending` when the wait ended first (another tenant's backlog counts too: Kafka's offsets are per service, not per tenant).",
  })
  @ApiQuery({ name: 'timeout_ms', required: false, description: `How long to wait, 0 to ${PROCESS_TIMEOUT_MS.max} ms (default ${PROCESS_TIMEOUT_MS.default})` })
  async process(@AuthenticatedCustomer() customer: CustomerConfig, @Query('timeout_ms') timeout: string | undefined): Promise<object> {
    const timeoutMs = timeout === undefined ? PROCESS_TIMEOUT_MS.default : Number(timeout);
    if (!/^\d+$/.test(timeout ?? '0') || timeoutMs > PROCESS_TIMEOUT_MS.max) {
      throw ApiError.invalid([{ field: 'timeout_ms', reason: `must be a whole number of milliseconds from 0 to ${PROCESS_TIMEOUT_MS.max}` }]);
    }
    const outcome = await this.processor.process(customer.customerId, timeoutMs);
    const tenantHk = Buffer.from(customer.tenantHk, 'hex');
    const vault = await this.reader.read(customer.tenantHk, async (query) => ({ backlog: await layerBacklog(query, tenantHk), last: await lastProcessed(query, tenantHk) }));
    const loaded = outcome.services.vault_loader.caught_up;
    return {
      success: true,
      customer_id: customer.customerId,
      processing_status: outcome.completed ? 'completed' : 'pending',
      // The loader writes raw, staging and business rows of a batch in one transaction.
      pipeline_results: {
        raw_processed: loaded,
        staging_processed: loaded && vault.backlog.staging_pending === 0,
        business_processed: loaded && vault.backlog.business_pending === 0,
        triggers_evaluated: outcome.services.automation_trigger.caught_up,
        // null: this tenant has no export to make visible.
        exported: outcome.export.status === 'no_export' ? null : outcome.services.exporter.caught_up && outcome.export.status === 'flushed',
      },
      services: outcome.services,
      export: outcome.export,
      waited_ms: outcome.waited_ms,
      pipeline_status: { ...vault.backlog, ...vault.last },
      timestamp: new Date().toISOString(),
    };
  }

  @Get('status')
  @ApiOperation({
    summary: 'Pipeline status',
    description:
      "raw_pending is the vault loader's consumer lag (records Kafka acknowledged that are not in the vault yet, all tenants); staging_pending and business_pending count this tenant's rows a failed load left between layers.",
  })
  @ApiQuery(SITE_QUERY)
  @AuditRows(listedRows)
  async status(@AuthenticatedCustomer() customer: CustomerConfig, @Query() query: Record<string, unknown>): Promise<object> {
    const siteId = parseSiteFilter(query);
    const tenantHk = Buffer.from(customer.tenantHk, 'hex');
    const [lag, vault] = await settled(
      this.lag.current(),
      this.reader.read(customer.tenantHk, async (read) => ({
        backlog: await layerBacklog(read, tenantHk),
        last: await lastProcessed(read, tenantHk, siteId),
        recent: await recentEvents(read, tenantHk, 10, siteId),
        quality: await qualityMetrics(read, tenantHk, 24, siteId),
      })),
    );
    // A database outage leaves the usage unknown (measured: false), not the whole answer failing.
    const usage = await this.usage.find(customer.customerId).catch(() => undefined);
    return {
      customer_id: customer.customerId,
      ...siteField(siteId),
      pipeline_status: { raw_pending: lag[this.config.consumerGroups.vaultLoader]?.lag ?? null, ...vault.backlog, ...vault.last },
      consumer_lag: lag,
      recent_events: vault.recent,
      quality_metrics: vault.quality,
      storage_usage: storageUsageAnswer(usage, customer.technical.storageQuotaGb),
      timestamp: new Date().toISOString(),
    };
  }

  @Get('dashboard')
  @ApiOperation({ summary: 'Pipeline dashboard: event counts, data quality (7 days), the loader’s processing performance (last hour)' })
  @ApiQuery(SITE_QUERY)
  @AuditRows(listedRows)
  async dashboard(@AuthenticatedCustomer() customer: CustomerConfig, @Query() query: Record<string, unknown>): Promise<object> {
    const siteId = parseSiteFilter(query);
    const tenantHk = Buffer.from(customer.tenantHk, 'hex');
    const [lag, vault] = await settled(
      this.lag.current(),
      this.reader.read(customer.tenantHk, async (read) => ({
        counts: await eventCounts(read, tenantHk, siteId),
        quality: await qualityMetrics(read, tenantHk, 24 * 7, siteId),
        processing: await processingPerformance(read, 60),
        backlog: await layerBacklog(read, tenantHk),
        last: await lastProcessed(read, tenantHk, siteId),
      })),
    );
    return {
      customer_id: customer.customerId,
      ...siteField(siteId),
      event_counts: vault.counts,
      quality_metrics: vault.quality,
      processing_performance: { ...vault.processing, consumer_lag: lag },
      pipeline_status: { ...vault.backlog, ...vault.last },
      timestamp: new Date().toISOString(),
    };
  }
}
