import { randomUUID } from 'node:crypto';
import type { ConsumerConfig, KafkaMessage } from 'kafkajs';
import { testSchemaRegistry } from './test-connection';
import { testKafka } from './test-kafka';

export type Positions = Map<number, string>;

export interface DecodedRecord<T = Record<string, unknown>> {
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  value: T;
}

/** End offsets of every partition now: read from here to see only what a test produced after. */
export async function topicPositions(brokers: string[], topic: string): Promise<Positions> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((partition) => [partition.partition, partition.high]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Runs a throwaway consumer over a topic from the given positions, handing each record to `take`
 * until it answers true (resolves true) or the time is up (resolves false).
 */
export async function consumeFrom(
  brokers: string[],
  topic: string,
  from: Positions,
  take: (partition: number, message: KafkaMessage) => boolean | Promise<boolean>,
  timeoutMs: number,
  options: Partial<ConsumerConfig> = {},
): Promise<boolean> {
  const consumer = testKafka(brokers).consumer({ groupId: `it-topic-reader-${randomUUID()}`, ...options });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: false });
    return await new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            if (BigInt(message.offset) < BigInt(from.get(partition) ?? '0')) return;
            if (await take(partition, message)) {
              clearTimeout(timer);
              resolve(true);
            }
          },
        })
        .then(() => {
          for (const [partition, offset] of from) consumer.seek({ topic, partition, offset });
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Reads a topic from the given positions, decoding values through the registry as any consumer
 * would, until `done` accepts what was collected or the time is up. Returns what it collected.
 */
export async function readTopic<T = Record<string, unknown>>(
  env: { kafkaBrokers: string[]; schemaRegistryUrl: string },
  topic: string,
  from: Positions,
  done: (records: DecodedRecord<T>[]) => boolean,
  timeoutMs = 20_000,
): Promise<DecodedRecord<T>[]> {
  const registry = testSchemaRegistry(env.schemaRegistryUrl);
  const records: DecodedRecord<T>[] = [];
  await consumeFrom(
    env.kafkaBrokers,
    topic,
    from,
    async (partition, message) => {
      records.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)])),
        value: (await registry.decode(message.value as Buffer)) as T,
      });
      return done(records);
    },
    timeoutMs,
  );
  return records;
}
