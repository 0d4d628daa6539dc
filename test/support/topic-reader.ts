import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';

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
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((partition) => [partition.partition, partition.high]));
  } finally {
    await admin.disconnect();
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
  const registry = new SchemaRegistry({ host: env.schemaRegistryUrl });
  const consumer = new Kafka({ brokers: env.kafkaBrokers, logLevel: logLevel.NOTHING }).consumer({ groupId: `it-topic-reader-${randomUUID()}` });
  const records: DecodedRecord<T>[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: false });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => resolve(), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            if (BigInt(message.offset) < BigInt(from.get(partition) ?? '0')) return;
            records.push({
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? null,
              headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)])),
              value: (await registry.decode(message.value as Buffer)) as T,
            });
            if (done(records)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .then(() => {
          for (const [partition, offset] of from) consumer.seek({ topic, partition, offset });
        })
        .catch(reject);
    });
    return records;
  } finally {
    await consumer.disconnect();
  }
}
