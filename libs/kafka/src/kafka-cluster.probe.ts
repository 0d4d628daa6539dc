import type { Admin, Kafka } from 'kafkajs';

/** A connected admin client used to tell whether the cluster answers (readiness) and what it is (logs). */
export class KafkaClusterProbe {
  private readonly admin: Admin;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
  }

  connect(): Promise<void> {
    return this.admin.connect();
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  async describe(): Promise<{ clusterId: string; brokers: number; controller: number | null }> {
    const cluster = await this.admin.describeCluster();
    return { clusterId: cluster.clusterId, brokers: cluster.brokers.length, controller: cluster.controller };
  }

  /**
   * Records on the topics that the group has not committed yet. A partition the group never
   * committed counts from its low watermark, where a new group starting from the beginning reads.
   */
  async consumerLag(groupId: string, topics: readonly string[]): Promise<{ lag: number; partitions: number }> {
    const committed = await this.admin.fetchOffsets({ groupId, topics: [...topics] });
    let lag = 0;
    let partitions = 0;
    for (const topic of topics) {
      const done = new Map((committed.find((entry) => entry.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      for (const end of await this.admin.fetchTopicOffsets(topic)) {
        const position = Math.max(done.get(end.partition) ?? -1, Number(end.low));
        lag += Math.max(0, Number(end.high) - position);
        partitions += 1;
      }
    }
    return { lag, partitions };
  }

  async check(): Promise<void> {
    const { brokers } = await this.describe();
    if (brokers === 0) throw new Error('cluster reports no brokers');
  }
}
