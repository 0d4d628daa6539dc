import type { IHeaders } from 'kafkajs';
import { HEADERS, customerSource } from '@tracking/contracts';
import { testKafka } from './test-kafka';
import { consumeFrom, type Positions } from './topic-reader';

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
  const records: RawRecord[] = [];
  await consumeFrom(
    brokers,
    topic,
    from,
    (partition, message) => {
      if (records.length < limit && message.headers?.[HEADERS.source]?.toString() === source) {
        records.push({ partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {} });
      }
      return records.length >= limit;
    },
    timeoutMs,
    { maxWaitTimeInMs: 200 },
  );
  return records;
}

/**
 * Produces the records again, byte for byte, each to the partition it came from: what a client
 * retrying after a lost answer, or a producer without idempotence retrying a write, leaves on the log.
 */
export async function produceAgain(brokers: string[], topic: string, records: readonly RawRecord[]): Promise<void> {
  const producer = testKafka(brokers, 'it-duplicator').producer({ allowAutoTopicCreation: false });
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
