import { Counter, type Registry } from 'prom-client';

/** Counted by the transport for every consuming service, under the service's metric prefix. */
export class ConsumerMetrics {
  readonly consumed: Counter<'topic'>;
  readonly deadLettered: Counter<'topic'>;
  readonly skipped: Counter<'topic' | 'reason'>;

  constructor(registry: Registry, prefix: string) {
    this.consumed = new Counter({ name: `${prefix}_records_consumed_total`, help: 'Records read from the topics, as fetched (before decoding or skipping)', labelNames: ['topic'], registers: [registry] });
    this.deadLettered = new Counter({ name: `${prefix}_records_dead_lettered_total`, help: 'Records sent to the dead-letter topic: undecodable, failing the record checks, or refused by the handler', labelNames: ['topic'], registers: [registry] });
    this.skipped = new Counter({ name: `${prefix}_records_skipped_total`, help: 'Records not decoded because the service has nothing to do for their customer', labelNames: ['topic', 'reason'], registers: [registry] });
  }
}
