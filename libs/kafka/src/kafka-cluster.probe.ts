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

  async check(): Promise<void> {
    const { brokers } = await this.describe();
    if (brokers === 0) throw new Error('cluster reports no brokers');
  }
}
