import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { KafkaPublisher } from '@tracking/kafka';
import type { LogKey } from './registry-state';

export type ApplyRecord = (key: LogKey, value: unknown) => void;

/** Keys in the topic: the state's keys plus the start-up marker. */
type StoredKey = LogKey | { keytype: 'NOOP'; magic: 0 };

/**
 * The registry's storage: one compacted, single-partition topic read from the beginning at start
 * and followed afterwards. A write returns once the reader has applied it, so a registration is
 * visible (and durable) before the HTTP answer.
 */
export class KafkaSchemaLog {
  private readonly admin: Admin;
  private readonly producer: KafkaPublisher;
  private readonly consumer: Consumer;
  private appliedOffset = -1n;
  private readonly waiters: Array<{ offset: bigint; resolve: () => void }> = [];

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly logger: Logger,
  ) {
    this.admin = kafka.admin();
    this.producer = new KafkaPublisher(kafka);
    // A fresh group each start: the log is always read from the first record, never from a committed offset.
    this.consumer = kafka.consumer({ groupId: `schema-registry-reader-${randomUUID()}`, allowAutoTopicCreation: false });
  }

  async start(apply: ApplyRecord): Promise<void> {
    await this.admin.connect();
    await this.ensureTopic();
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          try {
            const key = message.key ? (JSON.parse(message.key.toString('utf8')) as StoredKey) : undefined;
            if (key && key.keytype !== 'NOOP') apply(key, message.value ? JSON.parse(message.value.toString('utf8')) : null);
          } catch (error) {
            // A record another writer put there that we cannot read must not stall the registry.
            this.logger.warn({ offset: message.offset, err: error }, 'skipped unreadable record in schema log');
          }
          this.appliedOffset = BigInt(message.offset);
        }
        this.releaseWaiters();
      },
    });
    // As Confluent's store does: write a marker and wait to read it back. Offsets in a compacted
    // topic have gaps, so "the high watermark minus one" may never arrive; our own marker will.
    await this.append({ keytype: 'NOOP', magic: 0 }, null);
    this.logger.info({ topic: this.topic, appliedOffset: this.appliedOffset.toString() }, 'schema log loaded');
  }

  async append(key: StoredKey, value: unknown): Promise<void> {
    const [metadata] = await this.producer.send(this.topic, [
      { key: JSON.stringify(key), value: value === null ? null : JSON.stringify(value) },
    ]);
    await this.waitUntilApplied(BigInt(metadata.baseOffset ?? '0'));
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.consumer.disconnect(), this.producer.disconnect(), this.admin.disconnect()]);
  }

  private async ensureTopic(): Promise<void> {
    const topics = await this.admin.listTopics();
    if (topics.includes(this.topic)) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: this.topic,
          numPartitions: 1,
          replicationFactor: -1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'retention.ms', value: '-1' },
          ],
        },
      ],
    });
    this.logger.info({ topic: this.topic }, 'created schema storage topic');
  }

  private waitUntilApplied(offset: bigint): Promise<void> {
    if (this.appliedOffset >= offset) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ offset, resolve }));
  }

  private releaseWaiters(): void {
    for (let index = this.waiters.length - 1; index >= 0; index--) {
      const waiter = this.waiters[index];
      if (this.appliedOffset >= waiter.offset) {
        this.waiters.splice(index, 1);
        waiter.resolve();
      }
    }
  }
}
