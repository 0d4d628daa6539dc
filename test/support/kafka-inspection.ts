import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { testKafka } from './test-kafka';
import { waitFor } from './wait-for';

function client(brokers: string[]): Kafka {
  return testKafka(brokers);
}

/** Reads the one record at a topic/partition/offset, as an analyst's consumer would. */
export async function readRecord(brokers: string[], topic: string, partition: number, offset: string): Promise<KafkaMessage> {
  const consumer = client(brokers).consumer({ groupId: `it-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: false });
    return await new Promise<KafkaMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no record at ${topic}/${partition}@${offset}`)), 20_000);
      void consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition: p, message }) => {
            if (p === partition && message.offset === offset) {
              clearTimeout(timer);
              resolve(message);
            }
          },
        })
        .then(() => consumer.seek({ topic, partition, offset }));
    });
  } finally {
    await consumer.disconnect();
  }
}

/** Total lag of a consumer group on a topic: 0 means it has committed everything the topic holds. */
export async function groupLag(brokers: string[], groupId: string, topic: string): Promise<number> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    return ends.reduce((lag, end) => {
      const done = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      return lag + Number(end.high) - Math.max(Number(done), Number(end.low));
    }, 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * How many records before `marks` (end offsets per partition) the group has not committed yet;
 * 0 once it has committed past all of them, whatever came after.
 */
export async function uncommitted(brokers: string[], groupId: string, topic: string, marks: ReadonlyMap<number, string>): Promise<number> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    let missing = 0n;
    for (const [partition, mark] of marks) {
      const at = BigInt(committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
      if (BigInt(mark) > at) missing += BigInt(mark) - at;
    }
    return Number(missing);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until the group has committed past `marks`: the topic's end offsets taken after producing
 * the records in question. The consumers commit only after a record's effects are written, so from
 * then on a check that nothing more happened for those records is a check, not a bet on timing.
 */
export async function waitForCommittedPast(brokers: string[], groupId: string, topic: string, marks: ReadonlyMap<number, string>, timeoutMs = 60_000): Promise<void> {
  await waitFor(() => uncommitted(brokers, groupId, topic, marks), (missing) => missing === 0, { what: `${groupId} committed past ${topic} ${JSON.stringify([...marks])}`, timeoutMs, intervalMs: 250 });
}

/**
 * Commits a group's offsets at the given positions (default: the current end of each topic), so a
 * loader started with it reads only what a test produces next, not the whole history of the broker.
 */
export async function positionGroup(brokers: string[], groupId: string, topics: readonly string[], at?: Map<string, Map<number, string>>): Promise<Map<string, Map<number, string>>> {
  const admin = client(brokers).admin();
  await admin.connect();
  const positions = new Map<string, Map<number, string>>();
  try {
    for (const topic of topics) {
      positions.set(topic, at?.get(topic) ?? new Map((await admin.fetchTopicOffsets(topic)).map((partition) => [partition.partition, partition.high])));
    }
  } finally {
    await admin.disconnect();
  }
  await commitGroupOffsets(brokers, groupId, positions);
  return positions;
}

/**
 * Joins the (idle) group once and commits the offsets. admin.setOffsets does the same but waits for
 * a whole fetch (five seconds) per topic before it returns.
 */
async function commitGroupOffsets(brokers: string[], groupId: string, offsets: Map<string, Map<number, string>>): Promise<void> {
  const consumer = client(brokers).consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...offsets.keys()], fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    await joined;
    await consumer.commitOffsets(
      [...offsets].flatMap(([topic, partitions]) => [...partitions].map(([partition, offset]) => ({ topic, partition, offset }))),
    );
  } finally {
    await consumer.disconnect();
  }
}
