import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { HEADERS, customerSource } from '@tracking/contracts';
import type { Positions } from './topic-reader';

/** A record as it lies on the topic: bytes, key and headers untouched, so it can be produced again as is. */
export interface RawRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/**
 * Reads up to `limit` of one customer's records (told by the CloudEvents source header, as the
 * consumers tell them) from the given positions on, without decoding them.
 */
export async function readCustomerRecords(brokers: string[], topic: string, from: Positions, customerId: string, limit: number, timeoutMs = 20_000): Promise<RawRecord[]> {
  const source = customerSource(customerId);
  const consumer = new Kafka({ brokers, clientId: 'it-record-reader', logLevel: logLevel.NOTHING }).consumer({ groupId: `it-raw-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const records: RawRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: false });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => resolve(), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            if (records.length >= limit || BigInt(message.offset) < BigInt(from.get(partition) ?? '0')) return;
            if (message.headers?.[HEADERS.source]?.toString() !== source) return;
            records.push({ partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {} });
            if (records.length >= limit) {
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

/**
 * Produces the records again, byte for byte, each to the partition it came from: what a client
 * retrying after a lost answer, or a producer without idempotence retrying a write, leaves on the log.
 */
export async function produceAgain(brokers: string[], topic: string, records: readonly RawRecord[]): Promise<void> {
  const producer = new Kafka({ brokers, clientId: 'it-duplicator', logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((record) => ({ partition: record.partition, key: record.key, value: record.value, headers: record.headers })),
    });
  } finally {
    await producer.disconnect();
  }
}
