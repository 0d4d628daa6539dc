import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';

function client(brokers: string[]): Kafka {
  return new Kafka({ brokers, clientId: 'integration-test', logLevel: logLevel.NOTHING });
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

export async function resetGroupToEarliest(brokers: string[], groupId: string, topic: string): Promise<void> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    await admin.resetOffsets({ groupId, topic, earliest: true });
  } finally {
    await admin.disconnect();
  }
}
