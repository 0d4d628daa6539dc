import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS } from '@tracking/contracts';
import { BackgroundConnection, KAFKA_CLIENT } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';
import type { Consumer, Kafka } from 'kafkajs';
import { EXPORTER_CONFIG, type ExporterConfig } from '../config/exporter.config';

/** How reports and logs name this instance: host and process id, for operators. */
export const ERASURE_WORKER_INSTANCE = `${hostname()}:${process.pid}`;

/**
 * Which exporter instance rewrites buckets for erasure requests: the one the group
 * `<EXPORTER_GROUP_ID>.erasures` assigns privacy.erasures.v1's partition to. Kafka's group membership
 * is the lease: exactly one live member holds the partition, and when it dies (its session expires)
 * or leaves, the next generation gives it to another, which takes over. The group never commits: it
 * reads nothing for its own sake (the requests come from the erasure list every instance follows), and
 * what a request needs doing is decided from the buckets (done markers), not from an offset.
 *
 * During a rebalance two instances may briefly both believe they hold it; the rewrites are idempotent
 * and conditional on each object's ETag, so that costs a retry at most.
 */
@Injectable()
export class ErasureWorkLease implements OnApplicationShutdown {
  private consumer?: Consumer;
  private connection?: BackgroundConnection;
  private holding = false;
  private readonly listeners: Array<(held: boolean) => void> = [];

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(EXPORTER_CONFIG) private readonly config: Pick<ExporterConfig, 'groupId'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get held(): boolean {
    return this.holding;
  }

  /** Called with true when this instance gains the lease, false when it loses it. */
  onChange(listener: (held: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Joins the group in the background (an unreachable cluster does not stop the start). */
  start(): Promise<void> {
    this.connection = new BackgroundConnection(`${TOPICS.privacyErasures} lease`, () => this.join(), this.logger);
    return this.connection.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.connection?.stop();
    this.set(false);
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async join(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: `${this.config.groupId}.erasures`, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 1_000 });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.set((payload.memberAssignment[TOPICS.privacyErasures] ?? []).length > 0);
    });
    // Until the group settles, another member may hold it.
    consumer.on(consumer.events.REBALANCING, () => this.set(false));
    consumer.on(consumer.events.CRASH, () => this.set(false));
    consumer.on(consumer.events.STOP, () => this.set(false));
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPICS.privacyErasures], fromBeginning: false });
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    this.consumer = consumer;
  }

  private set(held: boolean): void {
    if (held === this.holding) return;
    this.holding = held;
    this.logger.info({ held, instance: ERASURE_WORKER_INSTANCE }, held ? 'this instance now rewrites buckets for erasure requests' : 'this instance no longer rewrites buckets for erasure requests');
    for (const listener of this.listeners) listener(held);
  }
}
