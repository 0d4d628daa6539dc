import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CONSUMER_SUBSCRIPTIONS } from '@tracking/contracts';
import { BackgroundConnection, KAFKA_CLIENT, KafkaClusterProbe } from '@tracking/kafka';
import { LOGGER, ReadinessRegistry, type Logger } from '@tracking/observability';
import type { Kafka } from 'kafkajs';
import { EXPORTER_CONFIG, type ExporterConfig } from '../config/exporter.config';
import { EXPORT_TARGETS } from '../exporter.tokens';
import { CustomerHealthMonitor } from '../health/customer-health.monitor';
import { SiteDomainRegistry } from '../metering/site-domain.registry';
import { PartitionRegistry } from '../partitions/partition.registry';
import type { BucketTarget } from '../targets/export-target';
import type { ExportTargets } from '../targets/export-targets';

function bucketView(bucket: BucketTarget | undefined): Record<string, unknown> | null {
  if (!bucket) return null;
  return { bucket: bucket.bucket, region: bucket.region, endpoint: bucket.endpoint ?? null, credentials: bucket.credentialSources };
}

/** What the export operations show: each customer's state, the group's lag, the configuration without secrets. */
@Injectable()
export class ExportStatusService implements OnModuleInit, OnApplicationShutdown {
  private readonly cluster: KafkaClusterProbe;
  private readonly connection: BackgroundConnection;

  constructor(
    @Inject(EXPORTER_CONFIG) private readonly config: ExporterConfig,
    @Inject(EXPORT_TARGETS) private readonly targets: ExportTargets,
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    private readonly health: CustomerHealthMonitor,
    private readonly partitions: PartitionRegistry,
    private readonly domains: SiteDomainRegistry,
    readiness: ReadinessRegistry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.cluster = new KafkaClusterProbe(kafka);
    // Refused credentials or an untrusted certificate keep the exporter up and not ready, naming the reason.
    this.connection = new BackgroundConnection('kafka', () => this.cluster.connect(), logger);
    readiness.register({
      name: 'kafka',
      check: async () => {
        await this.connection.check();
        await this.cluster.check();
      },
    });
  }

  onModuleInit(): Promise<void> {
    return this.connection.start();
  }

  onApplicationShutdown(): Promise<void> {
    this.connection.stop();
    return this.cluster.disconnect();
  }

  /** Whether the customer has an export configuration, usable or refused. */
  knows(customerId: string): boolean {
    return this.health.states().has(customerId) || this.targets.broken.has(customerId);
  }

  async status(customerId?: string): Promise<Record<string, unknown>> {
    const pending = this.partitions.pendingEvents();
    const customers = [...this.health.states()].filter(([id]) => customerId === undefined || id === customerId).map(([id, state]) => ({
      customer_id: id,
      state: state.failing ? 'failing' : 'exporting',
      last_export_at: state.lastExportAt ?? null,
      last_object_key: state.lastObjectKey ?? null,
      objects_written: state.objectsWritten,
      events_written: state.eventsWritten,
      bytes_written: state.bytesWritten,
      pending_events: pending.get(id) ?? 0,
      site_domains: this.domains.domainsOf(id),
      failing_since: state.failing?.since ?? null,
      next_retry_at: state.failing ? new Date(state.failing.nextProbeAt).toISOString() : null,
      last_error: state.lastError ?? null,
    }));
    const refused = [...this.targets.broken]
      .filter(([id]) => customerId === undefined || id === customerId)
      .map(([id, error]) => ({ customer_id: id, state: 'misconfigured', problems: error.problems }));
    let lag: number | null = null;
    try {
      lag = (await this.cluster.consumerLag(this.config.groupId, CONSUMER_SUBSCRIPTIONS.exporter)).lag;
    } catch {
      // Status still answers while Kafka is away; lag is then unknown.
    }
    return { success: true, consumer_lag: lag, customers: [...customers, ...refused] };
  }

  configuration(customerId?: string): Record<string, unknown> {
    const customers = [...this.targets.targets.values()]
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
}
