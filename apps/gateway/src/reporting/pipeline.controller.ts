import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CONSUMER_GROUPS } from '@tracking/contracts';
import type { CustomerConfig } from '@tracking/customers';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { AuthenticatedCustomer } from '../auth/authenticated-customer';
import { CustomerRateLimitGuard } from '../rate-limit/rate-limit.guards';
import { ConsumerLagService } from './consumer-lag.service';
import { eventCounts, layerBacklog, lastProcessed, processingPerformance, qualityMetrics, recentEvents } from './pipeline.queries';
import { TenantReadRepository } from './tenant-read.repository';

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

/** Seed 001's pipeline status and dashboard, for the authenticated customer's tenant. */
@ApiTags('pipeline')
@ApiBearerAuth()
@ApiHeader({ name: 'X-Customer-ID', required: true })
@Controller('api/v1/track')
@UseGuards(ApiTokenGuard, CustomerRateLimitGuard)
export class PipelineController {
  constructor(
    private readonly reader: TenantReadRepository,
    private readonly lag: ConsumerLagService,
  ) {}

  @Get('status')
  @ApiOperation({
    summary: 'Pipeline status',
    description:
      "raw_pending is the vault loader's consumer lag (records Kafka acknowledged that are not in the vault yet, all tenants); staging_pending and business_pending count this tenant's rows a failed load left between layers.",
  })
  async status(@AuthenticatedCustomer() customer: CustomerConfig): Promise<object> {
    const tenantHk = Buffer.from(customer.tenantHk, 'hex');
    const [lag, vault] = await settled(
      this.lag.current(),
      this.reader.read(customer.tenantHk, async (query) => ({
        backlog: await layerBacklog(query, tenantHk),
        last: await lastProcessed(query, tenantHk),
        recent: await recentEvents(query, tenantHk),
        quality: await qualityMetrics(query, tenantHk, 24),
      })),
    );
    return {
      customer_id: customer.customerId,
      pipeline_status: { raw_pending: lag[CONSUMER_GROUPS.vaultLoader]?.lag ?? null, ...vault.backlog, ...vault.last },
      consumer_lag: lag,
      recent_events: vault.recent,
      quality_metrics: vault.quality,
      timestamp: new Date().toISOString(),
    };
  }

  @Get('dashboard')
  @ApiOperation({ summary: 'Pipeline dashboard: event counts, data quality (7 days), the loader’s processing performance (last hour)' })
  async dashboard(@AuthenticatedCustomer() customer: CustomerConfig): Promise<object> {
    const tenantHk = Buffer.from(customer.tenantHk, 'hex');
    const [lag, vault] = await settled(
      this.lag.current(),
      this.reader.read(customer.tenantHk, async (query) => ({
        counts: await eventCounts(query, tenantHk),
        quality: await qualityMetrics(query, tenantHk, 24 * 7),
        processing: await processingPerformance(query, 60),
        backlog: await layerBacklog(query, tenantHk),
        last: await lastProcessed(query, tenantHk),
      })),
    );
    return {
      customer_id: customer.customerId,
      event_counts: vault.counts,
      quality_metrics: vault.quality,
      processing_performance: { ...vault.processing, consumer_lag: lag },
      pipeline_status: { ...vault.backlog, ...vault.last },
      timestamp: new Date().toISOString(),
    };
  }
}
