import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { TOPICS } from '@tracking/contracts';
import { testSchemaRegistry } from './test-connection';
import { testKafka } from './test-kafka';

/** End offset (high watermark) of every partition of every topic: topic -> partition -> offset. */
export type EndOffsets = Map<string, Map<number, bigint>>;

export interface RawRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

const ALL_TOPICS: readonly string[] = Object.values(TOPICS);

function kafka(brokers: string[]): Kafka {
  return testKafka(brokers, 'drill-ledger');
}

/** Every topic the platform declares (libs/contracts TOPICS), so a drill misses none that a later change adds. */
export async function endOffsets(brokers: string[], topics: readonly string[] = ALL_TOPICS): Promise<EndOffsets> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  try {
    const result: EndOffsets = new Map();
    for (const topic of topics) {
      result.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((partition) => [partition.partition, BigInt(partition.high)])));
    }
    return result;
  } finally {
    await admin.disconnect();
  }
}

/** Records appended between two snapshots, summed over partitions. */
export function appended(before: EndOffsets, after: EndOffsets, topic: string): number {
  let total = 0n;
  for (const [partition, end] of after.get(topic) ?? new Map<number, bigint>()) total += end - (before.get(topic)?.get(partition) ?? 0n);
  return Number(total);
}

/**
 * The records of a topic in [before, after) of every partition, undecoded. Transaction markers take
 * offsets but are never delivered, so the read also ends once nothing new arrived for a while.
 */
export async function recordsBetween(brokers: string[], topic: string, before: EndOffsets, after: EndOffsets, idleMs = 3000): Promise<RawRecord[]> {
  const from = before.get(topic) ?? new Map<number, bigint>();
  const to = after.get(topic) ?? new Map<number, bigint>();
  const pending = new Map([...to].filter(([partition, end]) => end > (from.get(partition) ?? 0n)));
  if (pending.size === 0) return [];
  const consumer = kafka(brokers).consumer({ groupId: `drill-ledger-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const records: RawRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: false });
    await new Promise<void>((resolve, reject) => {
      let idle: NodeJS.Timeout | undefined;
      const hardStop = setTimeout(() => finish(), 60_000);
      const finish = (): void => {
        clearTimeout(idle);
        clearTimeout(hardStop);
        resolve();
      };
      const arm = (ms = idleMs): void => {
        clearTimeout(idle);
        idle = setTimeout(finish, ms);
      };
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const offset = BigInt(message.offset);
            const end = pending.get(partition);
            if (end === undefined || offset < (from.get(partition) ?? 0n) || offset >= end) return;
            records.push({
              topic,
              partition,
              offset,
              key: message.key,
              value: message.value,
              headers: Object.fromEntries(
                Object.entries(message.headers ?? {}).map(([name, header]) => [name, Buffer.isBuffer(header) ? header : Buffer.from(String(header))]),
              ),
            });
            if (offset >= end - 1n) pending.delete(partition);
            if (pending.size === 0) finish();
            else arm();
          },
        })
        .then(() => {
          for (const partition of pending.keys()) consumer.seek({ topic, partition, offset: String(from.get(partition) ?? 0n) });
          // Joining the group comes first: give the first record longer than the gap between records.
          arm(idleMs * 4);
        })
        .catch(reject);
    });
    return records;
  } finally {
    await consumer.disconnect();
  }
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * Whether the record's key, value or a header value holds one of the strings (Avro strings are plain
 * UTF-8) or one of the UUIDs (request ids, looked up by set, so thousands of them cost no more).
 */
export function mentions(record: RawRecord, strings: readonly string[], uuids: ReadonlySet<string> = new Set()): boolean {
  const parts = [record.key, record.value, ...Object.values(record.headers)].filter((part): part is Buffer => part !== null);
  if (strings.some((needle) => parts.some((part) => part.includes(needle)))) return true;
  if (uuids.size === 0) return false;
  return parts.some((part) => (part.toString('latin1').match(UUID) ?? []).some((found) => uuids.has(found)));
}

/** Decodes Confluent-framed Avro values through the registry, as any consumer of the topic would. */
export async function decodeValues<T>(registryUrl: string, records: readonly RawRecord[]): Promise<T[]> {
  const registry = testSchemaRegistry(registryUrl);
  const values: T[] = [];
  for (const record of records) if (record.value) values.push((await registry.decode(record.value)) as T);
  return values;
}
