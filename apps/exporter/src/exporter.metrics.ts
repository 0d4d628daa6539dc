import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@tracking/observability';

@Injectable()
export class ExporterMetrics {
  readonly objectsWritten: Counter<'customer' | 'format' | 'reason'>;
  readonly eventsExported: Counter<'customer'>;
  readonly bytesWritten: Counter<'customer'>;
  readonly siteDomains: Gauge<'customer'>;
  readonly sites: Gauge<'customer'>;
  readonly writeFailures: Counter<'customer'>;
  readonly rewinds: Counter<'customer'>;
  readonly claimsLost: Counter<'customer'>;
  readonly writeSeconds: Histogram;
  readonly customerFailing: Gauge<'customer'>;
  readonly customerMisconfigured: Gauge<'customer'>;
  readonly openEvents: Gauge;
  readonly pendingBytes: Gauge;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) => new Counter<L>({ name, help, labelNames, registers: [registry] });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
    this.objectsWritten = counter('exporter_objects_written_total', 'Objects written to the client bucket (and the backup bucket), by why they closed', ['customer', 'format', 'reason']);
    this.eventsExported = counter('exporter_events_exported_total', 'Events in written objects', ['customer']);
    this.bytesWritten = counter('exporter_bytes_written_total', 'Bytes of written objects (one copy)', ['customer']);
    this.writeFailures = counter('exporter_write_failures_total', 'Failed writes or listings of a customer bucket, after the SDK retries', ['customer']);
    this.rewinds = counter('exporter_partition_rewinds_total', 'Partitions read again from where a recovered customer stopped', ['customer']);
    this.claimsLost = counter('exporter_claims_lost_total', 'Objects not written because another owner had claimed their first offset with other boundaries (the partition is read again)', ['customer']);
    this.writeSeconds = new Histogram({
      name: 'exporter_object_write_seconds',
      help: 'Encoding and writing one object to both buckets',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.customerFailing = gauge('exporter_customer_failing', '1 while a customer bucket fails and its export waits', ['customer']);
    this.customerMisconfigured = gauge('exporter_customer_misconfigured', '1 for a customer whose s3_export block is refused', ['customer']);
    this.openEvents = gauge('exporter_open_events', 'Events in objects not yet closed');
    this.siteDomains = gauge('exporter_site_domains', 'Distinct site domains exported per customer since start (seed 004 metering; per-hour counts are in the backup bucket)', ['customer']);
    this.sites = gauge('exporter_sites', 'Distinct sites of the site domains known per customer (billing.site-domains.v1 and this run; per-object counts are in the backup bucket)', ['customer']);
    this.pendingBytes = gauge('exporter_pending_bytes', 'Input bytes of closed objects not yet written');
  }
}
