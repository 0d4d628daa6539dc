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
import { ExporterInstance } from './exporter-instance';
import type { CustomerStatus, InstanceStatus } from './service-status';

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
    private readonly instance: ExporterInstance,
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

  /** What this instance holds: its partitions and its customers' counts (the service's status adds up every instance's). */
  instanceStatus(customerId?: string): InstanceStatus {
    const views = this.partitions.customerViews();
    const customers: CustomerStatus[] = [...this.health.states()].filter(([id]) => customerId === undefined || id === customerId).map(([id, state]) => {
      const view = views.get(id);
      return {
        customer_id: id,
        state: state.failing ? 'failing' : 'exporting',
        last_export_at: state.lastExportAt ?? null,
        last_object_key: state.lastObjectKey ?? null,
        objects_written: state.objectsWritten,
        events_written: state.eventsWritten,
        bytes_written: state.bytesWritten,
        pending_events: (view?.held ?? 0) + (view?.writing ?? 0),
        held_events: view?.held ?? 0,
        writing_events: view?.writing ?? 0,
        next_close_at: view?.nextCloseAt === undefined ? null : new Date(view.nextCloseAt).toISOString(),
        site_domains: this.domains.domainsOf(id),
        sites: this.domains.sitesOf(id),
        failing_since: state.failing?.since ?? null,
        next_retry_at: state.failing ? new Date(state.failing.nextProbeAt).toISOString() : null,
        last_error: state.lastError ?? null,
      };
    });
    const refused: CustomerStatus[] = [...this.targets.broken]
      .filter(([id]) => customerId === undefined || id === customerId)
      .map(([id, error]) => ({ customer_id: id, state: 'misconfigured', problems: error.problems }));
    const partitions = this.partitions.partitionViews().map((view) => ({
      topic: view.topic,
      partition: view.partition,
      committed: view.committed?.toString() ?? null,
      position: view.position?.toString() ?? null,
      caught_up: view.caughtUp,
    }));
    return { instance_id: this.instance.id, partitions, customers: [...customers, ...refused] };
  }

  instanceId(): string {
    return this.instance.id;
  }

  /** The group's lag over its topics; null while Kafka does not answer. */
  async consumerLag(): Promise<number | null> {
    try {
      return (await this.cluster.consumerLag(this.config.groupId, CONSUMER_SUBSCRIPTIONS.exporter)).lag;
    } catch {
      // Status still answers while Kafka is away; lag is then unknown.
      return null;
    }
  }

  /** The other instances of the exporter group (members that announced themselves), from the group's description. */
  async otherInstances(): Promise<Array<{ id: string; url: string }>> {
    const { members } = await this.cluster.groupMembers(this.config.groupId);
    const others = new Map<string, string>();
    for (const member of members) {
      const instance = ExporterInstance.fromMember(member.userData, member.clientHost);
      if (instance && instance.id !== this.instance.id) others.set(instance.id, instance.url);
    }
    return [...others].map(([id, url]) => ({ id, url }));
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
        split_by_site: target.splitBySite,
        include_event_types: target.includeEventTypes ? [...target.includeEventTypes] : null,
        fields: target.columns.map((column) => column.name),
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
