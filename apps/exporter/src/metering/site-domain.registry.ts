import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { AvroDeserializer, TOPICS, readAvroSchema, SITE_DOMAIN_PROPOSER_HEADER, SITE_DOMAIN_SCHEMA_FILE, siteDomainKey, siteDomainOf, type SchemaRegistryPort, type SiteDomain, type TrackingEvent } from '@tracking/contracts';
import { AvroTopicWriter, BackgroundConnection, KAFKA_CLIENT, SCHEMA_REGISTRY, SITE_DOMAIN_CANDIDATES_TOPIC, SITE_DOMAINS_TOPIC, ServicePublisher } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';
import { EXPORTER_CONFIG, type ExporterConfig } from '../config/exporter.config';

const LOAD_TIMEOUT_MS = 60_000;

/**
 * Seed 004's domain discovery: the first time an exported event shows a site domain for a customer,
 * a billing event goes to the compacted topic billing.site-domains.v1, once across all exporter
 * instances.
 *
 * An instance that sees a domain it does not know proposes it on exporter.site-domain-candidates.v1,
 * keyed like billing, so every proposal of one domain lands in one partition. The instances also form
 * an arbiter group on that topic: each candidate partition has one reader at a time, which publishes a
 * domain to billing only if billing does not hold it yet, and commits after. Two instances seeing the
 * same new domain at once propose it twice; the arbiter publishes it once. A partition's new reader
 * reads billing to its end before its first candidate, so what the previous reader published counts.
 *
 * Billing itself is the memory of known domains, read to its end at start: restarts and replays
 * propose nothing known. A proposal not yet durable holds the exporter's commits (hasUnpublished), so
 * a crash before it is sent reads the records, and proposes the domain, again.
 */
@Injectable()
export class SiteDomainRegistry implements OnModuleInit, OnApplicationShutdown {
  /** Domains in billing, or proposed by this instance. */
  private readonly known = new Set<string>();
  /** The site of each known domain (by the same key), when its record names one. */
  private readonly siteOfDomain = new Map<string, string>();
  /** Domains in billing as far as this instance read it (and published by its arbiter). */
  private readonly billed = new Set<string>();
  private readonly unpublished = new Map<string, SiteDomain>();
  private candidates?: AvroTopicWriter<SiteDomain>;
  private billing?: AvroTopicWriter<SiteDomain>;
  private deserializer?: AvroDeserializer<SiteDomain>;
  private arbiter?: Consumer;
  private billingStale = true;
  private publishing = 0;
  private loading?: BackgroundConnection;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly publisher: ServicePublisher,
    @Inject(SCHEMA_REGISTRY) private readonly registry: SchemaRegistryPort,
    @Inject(EXPORTER_CONFIG) private readonly config: Pick<ExporterConfig, 'groupId'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Reads the known domains and joins the arbiter group. Refused credentials or an unreachable
   * cluster do not stop the start (the consumer cannot consume then either); observe() waits until
   * they are read.
   */
  async onModuleInit(): Promise<void> {
    this.loading = new BackgroundConnection(TOPICS.billingSiteDomains, () => this.start(), this.logger);
    await this.loading.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.loading?.stop();
    await this.arbiter?.disconnect();
  }

  private async start(): Promise<void> {
    this.candidates = await AvroTopicWriter.create(this.registry, SITE_DOMAIN_CANDIDATES_TOPIC);
    this.billing = await AvroTopicWriter.create(this.registry, SITE_DOMAINS_TOPIC);
    this.deserializer = new AvroDeserializer<SiteDomain>(this.registry, readAvroSchema(SITE_DOMAIN_SCHEMA_FILE).type);
    await this.readBilling();
    this.billingStale = false;
    this.logger.info({ domains: this.known.size }, 'known site domains loaded');
    await this.joinArbiters();
  }

  /** Reads billing.site-domains.v1 to its current end. */
  private async readBilling(): Promise<void> {
    const deserializer = this.deserializer as AvroDeserializer<SiteDomain>;
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
    // A throwaway group that never commits: the topic is read whole every time.
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
              if (!message.value) continue;
              const record = await deserializer.deserialize(message.value);
              const key = siteDomainKey(record);
              this.known.add(key);
              this.billed.add(key);
              if (record.site_id) this.siteOfDomain.set(key, record.site_id);
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
  }

  /** Joins the arbiter group on the candidates topic: for its partitions, this instance alone publishes to billing. */
  private async joinArbiters(): Promise<void> {
    const arbiter = this.kafka.consumer({ groupId: `${this.config.groupId}.site-domains`, maxWaitTimeInMs: 500, heartbeatInterval: 1000, sessionTimeout: 10_000 });
    // A new generation may give this instance partitions another read until now: what it published is in billing.
    arbiter.on(arbiter.events.GROUP_JOIN, () => {
      this.billingStale = true;
    });
    await arbiter.connect();
    await arbiter.subscribe({ topics: [TOPICS.exporterSiteDomainCandidates], fromBeginning: true });
    await arbiter.run({ eachBatch: (payload) => this.arbitrate(payload) });
    this.arbiter = arbiter;
  }

  private async arbitrate({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.billingStale) {
      this.billingStale = false;
      // Reading billing whole can outlast the session timeout: heartbeat meanwhile, or the group would evict this member and rebalance again.
      const beating = setInterval(() => void heartbeat().catch(() => undefined), 1000);
      try {
        await this.readBilling();
      } catch (error) {
        this.billingStale = true;
        throw error;
      } finally {
        clearInterval(beating);
      }
    }
    const deserializer = this.deserializer as AvroDeserializer<SiteDomain>;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      const proposer = message.headers?.[SITE_DOMAIN_PROPOSER_HEADER];
      const proposedBy = proposer === undefined ? undefined : String(Array.isArray(proposer) ? proposer[0] : proposer);
      // Another group's proposal is its own arbiters' to decide: deciding it here too published a domain twice (seen with two groups on one cluster). Unmarked ones are older than the header.
      if (message.value && (proposedBy === undefined || proposedBy === this.config.groupId)) {
        const record = await deserializer.deserialize(message.value);
        const key = siteDomainKey(record);
        if (!this.billed.has(key)) {
          await this.publisher.send(TOPICS.billingSiteDomains, [(this.billing as AvroTopicWriter<SiteDomain>).toMessage(record)]);
          this.billed.add(key);
          this.known.add(key);
          this.logger.info({ customer: record.customer_id, domain: record.domain }, 'new site domain published for billing');
        }
      }
      resolveOffset(message.offset);
      await heartbeat();
    }
  }

  /**
   * Notes the domains of exported events and proposes the new ones. The first event of each domain
   * is enough (the writer hands only those): a later one of the same domain finds it known.
   */
  async observe(customerId: string, events: readonly TrackingEvent[]): Promise<void> {
    await this.loading?.connectedOnce;
    for (const event of events) {
      const domain = siteDomainOf(event);
      if (!domain) continue;
      const record: SiteDomain = { customer_id: customerId, domain, first_event_id: event.event_id, first_seen_at: event.occurred_at, site_id: event.site_id };
      const key = siteDomainKey(record);
      if (this.known.has(key)) continue;
      this.known.add(key);
      if (record.site_id) this.siteOfDomain.set(key, record.site_id);
      this.unpublished.set(key, record);
    }
    await this.publishPending();
  }

  async publishPending(): Promise<void> {
    if (this.unpublished.size === 0 || !this.candidates) return;
    // Taken out before sending, so concurrent calls never send the same domain twice.
    const batch = [...this.unpublished.values()];
    this.unpublished.clear();
    this.publishing += 1;
    try {
      const proposal = (record: SiteDomain) => {
        const message = (this.candidates as AvroTopicWriter<SiteDomain>).toMessage(record);
        return { ...message, headers: { ...message.headers, [SITE_DOMAIN_PROPOSER_HEADER]: this.config.groupId } };
      };
      await this.publisher.send(TOPICS.exporterSiteDomainCandidates, batch.map(proposal));
      for (const record of batch) this.logger.debug({ customer: record.customer_id, domain: record.domain }, 'new site domain proposed for billing');
    } catch (error) {
      for (const record of batch) this.unpublished.set(siteDomainKey(record), record);
      this.logger.warn({ err: error, pending: this.unpublished.size }, 'site domain proposal failed; retried on the next export');
    } finally {
      this.publishing -= 1;
    }
  }

  hasUnpublished(): boolean {
    return this.unpublished.size > 0 || this.publishing > 0;
  }

  /**
   * Sites known for one customer: the distinct sites of its known domains. A site is billed with its
   * first domain (each domain record names its site), so counting these counts each site once.
   */
  sitesOf(customerId: string): string[] {
    const prefix = `${customerId}|`;
    return [...new Set([...this.siteOfDomain].filter(([key]) => key.startsWith(prefix)).map(([, site]) => site))].sort();
  }

  /** Domains known for one customer (from billing and from this run). */
  domainsOf(customerId: string): string[] {
    const prefix = `${customerId}|`;
    return [...this.known].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length)).sort();
  }
}
