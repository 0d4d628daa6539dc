import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { AvroDeserializer, TOPICS, readAvroSchema, SITE_DOMAIN_SCHEMA_FILE, siteDomainKey, siteDomainOf, type SchemaRegistryPort, type SiteDomain, type TrackingEvent } from '@tracking/contracts';
import { AvroTopicWriter, BackgroundConnection, KAFKA_CLIENT, SCHEMA_REGISTRY, SITE_DOMAINS_TOPIC, ServicePublisher } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';

const LOAD_TIMEOUT_MS = 60_000;

/**
 * Seed 004's domain discovery: the first time an exported event shows a site domain for a customer,
 * a billing event goes to the compacted topic billing.site-domains.v1. The topic itself is the memory
 * of known domains, read to its end at start; a publication that fails is retried on the next call,
 * and a repeated one is harmless (same key, compaction keeps one).
 */
@Injectable()
export class SiteDomainRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly known = new Set<string>();
  private readonly unpublished = new Map<string, SiteDomain>();
  private writer?: AvroTopicWriter<SiteDomain>;
  private publishing = 0;
  private loading?: BackgroundConnection;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly publisher: ServicePublisher,
    @Inject(SCHEMA_REGISTRY) private readonly registry: SchemaRegistryPort,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Reads the known domains. Refused credentials or an unreachable cluster do not stop the start
   * (the consumer cannot consume then either); observe() waits until they are read.
   */
  async onModuleInit(): Promise<void> {
    this.loading = new BackgroundConnection(TOPICS.billingSiteDomains, () => this.load(), this.logger);
    await this.loading.start();
  }

  onApplicationShutdown(): void {
    this.loading?.stop();
  }

  private async load(): Promise<void> {
    this.writer = await AvroTopicWriter.create(this.registry, SITE_DOMAINS_TOPIC);
    const deserializer = new AvroDeserializer<SiteDomain>(this.registry, readAvroSchema(SITE_DOMAIN_SCHEMA_FILE).type);
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = new Map<number, bigint>();
    try {
      for (const partition of await admin.fetchTopicOffsets(TOPICS.billingSiteDomains)) {
        if (BigInt(partition.high) > BigInt(partition.low)) ends.set(partition.partition, BigInt(partition.high));
      }
    } finally {
      await admin.disconnect();
    }
    if (ends.size === 0) return;
    // A throwaway group that never commits: the topic is read whole every start.
    const consumer = this.kafka.consumer({ groupId: `exporter-domains-${randomUUID()}`, maxWaitTimeInMs: 500 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [TOPICS.billingSiteDomains], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${TOPICS.billingSiteDomains} was not read to its end within ${LOAD_TIMEOUT_MS / 1000}s`)), LOAD_TIMEOUT_MS);
        void consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              if (message.value) this.known.add(siteDomainKey(await deserializer.deserialize(message.value)));
            }
            if (BigInt(batch.lastOffset()) + 1n >= (ends.get(batch.partition) ?? 0n)) ends.delete(batch.partition);
            if (ends.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        }).catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    this.logger.info({ domains: this.known.size }, 'known site domains loaded');
  }

  /** Notes the domains of exported events and publishes the new ones. */
  async observe(customerId: string, events: readonly TrackingEvent[]): Promise<void> {
    await this.loading?.connectedOnce;
    for (const event of events) {
      const domain = siteDomainOf(event);
      if (!domain) continue;
      const record: SiteDomain = { customer_id: customerId, domain, first_event_id: event.event_id, first_seen_at: event.occurred_at };
      const key = siteDomainKey(record);
      if (this.known.has(key)) continue;
      this.known.add(key);
      this.unpublished.set(key, record);
    }
    await this.publishPending();
  }

  async publishPending(): Promise<void> {
    if (this.unpublished.size === 0 || !this.writer) return;
    // Taken out before sending, so concurrent calls never send the same domain twice.
    const batch = [...this.unpublished.values()];
    this.unpublished.clear();
    this.publishing += 1;
    try {
      await this.publisher.send(TOPICS.billingSiteDomains, batch.map((record) => (this.writer as AvroTopicWriter<SiteDomain>).toMessage(record)));
      for (const record of batch) this.logger.info({ customer: record.customer_id, domain: record.domain }, 'new site domain published for billing');
    } catch (error) {
      for (const record of batch) this.unpublished.set(siteDomainKey(record), record);
      this.logger.warn({ err: error, pending: this.unpublished.size }, 'site domain publication failed; retried on the next export');
    } finally {
      this.publishing -= 1;
    }
  }

  hasUnpublished(): boolean {
    return this.unpublished.size > 0 || this.publishing > 0;
  }

  /** Domains known for one customer (from the topic and from this run). */
  domainsOf(customerId: string): string[] {
    const prefix = `${customerId}|`;
    return [...this.known].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length)).sort();
  }
}
