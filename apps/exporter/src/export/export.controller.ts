import { Controller, Get, HttpCode, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { AdminTokenGuard, ApiError } from '@tracking/http';
import { EXPORTER_CONFIG, type ExporterConfig } from '../config/exporter.config';
import type { BucketTarget } from '../targets/export-target';
import { ExportPipeline, type FlushResult } from './export-pipeline.service';

function bucketView(bucket: BucketTarget | undefined): Record<string, unknown> | null {
  if (!bucket) return null;
  return { bucket: bucket.bucket, region: bucket.region, endpoint: bucket.endpoint ?? null, credentials: bucket.credentialSources };
}

/**
 * Seed 004's export operations, on the exporter's own port under /api/v1/export and guarded by the
 * operators' token (TRACKING_ADMIN_TOKEN): run (flush open objects now), status, config (no secrets).
 * `customer_id` narrows each to one customer.
 */
@Controller('api/v1/export')
@UseGuards(AdminTokenGuard)
export class ExportController {
  constructor(
    @Inject(EXPORTER_CONFIG) private readonly config: ExporterConfig,
    private readonly pipeline: ExportPipeline,
  ) {}

  @Post('run')
  @HttpCode(200)
  async run(@Query('customer_id') customerId: string | undefined): Promise<{ success: true } & FlushResult> {
    this.checkCustomer(customerId);
    return { success: true, ...(await this.pipeline.flush(customerId)) };
  }

  @Get('status')
  async status(@Query('customer_id') customerId: string | undefined): Promise<Record<string, unknown>> {
    this.checkCustomer(customerId);
    const pending = this.pipeline.pendingEvents();
    const customers = [...this.pipeline.customers].filter(([id]) => customerId === undefined || id === customerId).map(([id, state]) => ({
      customer_id: id,
      state: state.failing ? 'failing' : 'exporting',
      last_export_at: state.lastExportAt ?? null,
      last_object_key: state.lastObjectKey ?? null,
      objects_written: state.objectsWritten,
      events_written: state.eventsWritten,
      bytes_written: state.bytesWritten,
      pending_events: pending.get(id) ?? 0,
      site_domains: this.pipeline.domains.domainsOf(id),
      failing_since: state.failing?.since ?? null,
      next_retry_at: state.failing ? new Date(state.failing.nextProbeAt).toISOString() : null,
      last_error: state.lastError ?? null,
    }));
    const refused = [...this.pipeline.targets.broken]
      .filter(([id]) => customerId === undefined || id === customerId)
      .map(([id, error]) => ({ customer_id: id, state: 'misconfigured', problems: error.problems }));
    let lag: number | null = null;
    try {
      lag = (await this.pipeline.lag()).lag;
    } catch {
      // Status still answers while Kafka is away; lag is then unknown.
    }
    return { success: true, consumer_lag: lag, customers: [...customers, ...refused] };
  }

  @Get('config')
  config_(@Query('customer_id') customerId: string | undefined): Record<string, unknown> {
    this.checkCustomer(customerId);
    const customers = [...this.pipeline.targets.targets.values()]
      .filter((target) => customerId === undefined || target.customerId === customerId)
      .map((target) => ({
        customer_id: target.customerId,
        client: bucketView(target.client),
        backup: bucketView(target.backup),
        prefix: target.prefix,
        format: target.format,
        compression: target.compression,
        schedule: target.schedule,
        max_open_seconds: target.maxOpenMs / 1000,
      }));
    return {
      success: true,
      limits: {
        max_records_per_object: this.config.limits.maxRecords,
        max_object_bytes: this.config.limits.maxBytes,
        lateness_seconds: this.config.limits.latenessMs / 1000,
      },
      customers,
    };
  }

  private checkCustomer(customerId: string | undefined): void {
    if (customerId === undefined) return;
    if (!CUSTOMER_ID_PATTERN.test(customerId)) throw ApiError.invalid([{ field: 'customer_id', reason: `must match ${CUSTOMER_ID_PATTERN}` }]);
    if (!this.pipeline.customers.has(customerId) && !this.pipeline.targets.broken.has(customerId)) {
      throw new ApiError(404, 'NOT_FOUND', `Customer ${customerId} has no s3_export configuration`);
    }
  }
}
