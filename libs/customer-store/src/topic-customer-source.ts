import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { AvroDecodeError, AvroDeserializer, CUSTOMER_DOCUMENTS_SCHEMA_FILE, TOPICS, readAvroSchema, type CustomerDocuments, type SchemaRegistryPort } from '@tracking/contracts';
import { CatchUp } from './catch-up';
import { CustomerBook } from './customer-book';
import type { CustomerChangeListener, CustomerSource } from './customer-source';
import { ChangeListeners } from './listeners';

class CustomerRecordError extends Error {
  override readonly name = 'CustomerRecordError';
}

export interface TopicCustomerSourceOptions {
  /** Begins the reader's consumer group name (`<name>-customers-<random>`), so the broker's group list says who reads. */
  readerName: string;
  /** Longest a fetch waits for new records: bounds how long a change takes to arrive. */
  maxWaitMs?: number;
}

/**
 * Follows the compacted topic tracking.customers.v1: reads it whole at start (ready once it has
 * reached the high watermarks seen when it started), then applies each record as it arrives.
 *
 * Every instance must read every customer, so each reader is a consumer group of its own (a random
 * name) that never commits: offsets shared between instances would split the topic among them, and
 * a committed offset would skip the start of the topic on the next start. kafkajs has no manual
 * partition assignment; a group of one member is how it reads a whole topic. A reader that crashes
 * for good reads everything again under a new group and hands out only what differs.
 */
export class TopicCustomerSource implements CustomerSource {
  readonly description = `topic ${TOPICS.customers}`;
  readonly shared = true;
  private book = new CustomerBook();
  private readonly listeners: ChangeListeners;
  private consumer?: Consumer;
  private catchUp?: CatchUp;
  private loaded = false;
  private stopped = false;
  private restartTimer?: NodeJS.Timeout;
  private admin?: Admin;
  private asking?: Promise<Array<{ partition: number; high: string; low: string }>>;
  /** Next offset to read of each partition, as far as this reader got. */
  private readonly positions = new Map<number, bigint>();
  private readonly deserializer: AvroDeserializer<CustomerDocuments>;
  private markReady!: () => void;
  readonly readyOnce = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly kafka: Kafka,
    registry: SchemaRegistryPort,
    private readonly logger: Logger,
    private readonly options: TopicCustomerSourceOptions,
  ) {
    this.listeners = new ChangeListeners(logger);
    this.deserializer = new AvroDeserializer<CustomerDocuments>(registry, readAvroSchema(CUSTOMER_DOCUMENTS_SCHEMA_FILE).type);
  }

  get ready(): boolean {
    return this.loaded;
  }

  documents(): ReadonlyMap<string, CustomerDocuments> {
    return this.book.snapshot();
  }

  onChange(listener: CustomerChangeListener): void {
    this.listeners.add(listener, this.book.snapshot());
  }

  async check(): Promise<void> {
    if (this.loaded) return;
    const pending = this.catchUp ? [...this.catchUp.pending].map(([partition, end]) => `partition ${partition} up to offset ${end}`).join(', ') : 'not connected yet';
    throw new Error(`customer configuration not read yet from ${TOPICS.customers} (${pending})`);
  }

  /**
   * Connects and starts reading; resolves once the topic has been read whole. Rejects when the
   * cluster or the registry refuses (the caller retries: a BackgroundConnection).
   */
  async start(): Promise<void> {
    this.stopped = false;
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = new Map<number, bigint>();
    const starts = new Map<number, bigint>();
    try {
      for (const partition of await admin.fetchTopicOffsets(TOPICS.customers)) {
        ends.set(partition.partition, BigInt(partition.high));
        starts.set(partition.partition, BigInt(partition.low));
      }
    } finally {
      await admin.disconnect();
    }
    const catchUp = new CatchUp(ends, starts);
    // Read into a book of its own: a reader reading everything again replaces the current book only once complete.
    const reading = this.loaded ? new CustomerBook() : this.book;
    this.catchUp = catchUp;
    const consumer = this.kafka.consumer({
      groupId: `${this.options.readerName}-customers-${randomUUID()}`,
      maxWaitTimeInMs: this.options.maxWaitMs ?? 500,
      // No other member ever joins this group: nothing to rebalance with, so a short session only costs heartbeats.
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
    });
    this.consumer = consumer;
    let resolveRead!: () => void;
    const readWhole = new Promise<void>((resolve) => (resolveRead = resolve));
    const caughtUp = (): void => {
      if (reading !== this.book) {
        const changes = this.book.changesTo(reading);
        this.book = reading;
        this.listeners.emit(changes);
      } else {
        this.loaded = true;
        this.listeners.emit(
          [...this.book.snapshot().values()].map((documents) => ({ customerId: documents.customer_id, documents })),
          true,
        );
        this.markReady();
      }
      this.logger.info({ source: this.description, customers: this.book.size }, 'customer configuration read');
      resolveRead();
    };
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopped) return;
      this.logger.error({ err: payload.error }, `reading ${TOPICS.customers} failed for good; reading it again`);
      this.restartTimer = setTimeout(() => void this.restart(), 1000);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [TOPICS.customers], fromBeginning: true });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const changes = [];
        for (const message of batch.messages) {
          const customerId = message.key?.toString('utf8');
          if (!customerId) continue;
          const documents = message.value ? await this.decode(customerId, message.value, message.offset) : null;
          if (documents === undefined) continue;
          const change = (catchUp.done ? this.book : reading).apply(customerId, documents);
          if (change && catchUp.done) changes.push(change);
        }
        this.positions.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
        if (catchUp.done) {
          this.listeners.emit(changes);
          for (const change of changes) {
            const documents = change.documents;
            this.logger.info(
              documents
                ? { customerId: change.customerId, appliedBy: documents.applied_by, appliedAt: new Date(documents.applied_at).toISOString(), appliedVia: documents.applied_via, changedFiles: documents.changed_files }
                : { customerId: change.customerId, removed: true },
              'customer configuration changed',
            );
          }
        } else {
          catchUp.advance(batch.partition, BigInt(batch.lastOffset()) + 1n);
          if (catchUp.done) caughtUp();
        }
        await heartbeat();
      },
    });
    if (catchUp.done) caughtUp();
    await readWhole;
  }

  async refresh(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const ends = await this.endOffsets();
    const reached = (): boolean =>
      this.loaded && ends.every((end) => BigInt(end.high) <= BigInt(end.low) || (this.positions.get(end.partition) ?? 0n) >= BigInt(end.high));
    while (!reached()) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  /** The topic's end offsets now; concurrent askers share one request, over one admin connection kept for it. */
  private endOffsets(): Promise<Array<{ partition: number; high: string; low: string }>> {
    this.asking ??= (async () => {
      try {
        if (!this.admin) {
          const admin = this.kafka.admin();
          await admin.connect();
          this.admin = admin;
        }
        return await this.admin.fetchTopicOffsets(TOPICS.customers);
      } catch (error) {
        await this.admin?.disconnect().catch(() => undefined);
        this.admin = undefined;
        throw error;
      } finally {
        this.asking = undefined;
      }
    })();
    return this.asking;
  }

  async stop(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async restart(): Promise<void> {
    if (this.stopped) return;
    await this.consumer?.disconnect().catch(() => undefined);
    try {
      await this.start();
    } catch (error) {
      this.logger.error({ err: error }, `reading ${TOPICS.customers} again failed; trying again`);
      this.restartTimer = setTimeout(() => void this.restart(), 5000);
    }
  }

  /** A record that cannot be read keeps the customer's previous documents: one bad write must not remove a customer. */
  private async decode(customerId: string, value: Buffer, offset: string): Promise<CustomerDocuments | undefined> {
    try {
      const documents = await this.deserializer.deserialize(value);
      if (documents.customer_id !== customerId) throw new CustomerRecordError(`its customer_id ${documents.customer_id} differs from its key`);
      return documents;
    } catch (error) {
      // The registry not answering is retried (kafkajs reads the batch again); only a record that can never be read is skipped.
      if (!(error instanceof AvroDecodeError) && !(error instanceof CustomerRecordError)) throw error;
      this.logger.error({ err: error, customerId, offset }, `a record of ${TOPICS.customers} cannot be read; the customer keeps its previous configuration`);
      return undefined;
    }
  }
}
