import type { Admin } from 'kafkajs';
import { TOPIC_DECLARATIONS, TOPICS } from '@tracking/contracts';
import { sleep } from '@tools/local-stack/process-control';

/**
 * Topics of the bench only, for the producer baselines (raw bytes and Avro records that no service
 * should read). Made again each run like the events topic (same partitions) so they never grow.
 */
export const BENCH_TOPICS = {
  perfTest: 'bench.perf-test',
  producerBaseline: 'bench.producer-baseline',
} as const;

const EVENTS_PARTITIONS = TOPIC_DECLARATIONS.find((topic) => topic.name === TOPICS.trackingEvents)?.partitions ?? 6;

export async function recreateBenchTopic(admin: Admin, topic: string): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) {
    await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
    // Deletion is asynchronous in KRaft; creating the topic again fails until it is gone.
    while ((await admin.listTopics()).includes(topic)) await sleep(200);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: EVENTS_PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
      return;
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(500);
    }
  }
}
