import { AssignerProtocol, ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { unwritableReason, type TopicHealth } from './topic-health';

/** A topic's min.insync.replicas changes rarely (an operator's alter); asking once a minute is plenty. */
const MIN_ISR_TTL_MS = 60_000;

/** A connected admin client used to tell whether the cluster answers (readiness) and what it is (logs). */
export class KafkaClusterProbe {
  private readonly admin: Admin;
  private readonly minIsr = new Map<string, { value: number; at: number }>();

  /** `writes`: the topics the service produces to; readiness fails while any of their partitions cannot take an acks=all write. */
  constructor(
    kafka: Kafka,
    private readonly writes: readonly string[] = [],
  ) {
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
    let lag = 0n;
    let partitions = 0;
    for (const topic of topics) {
      for (const { position, high } of await this.positions(groupId, topic)) {
        if (high > position) lag += high - position;
        partitions += 1;
      }
    }
    return { lag: Number(lag), partitions };
  }

  /** The end (high watermark) of each partition of `topic`: every record acknowledged so far lies before it. */
  async topicEnds(topic: string): Promise<Map<number, bigint>> {
    return new Map((await this.admin.fetchTopicOffsets(topic)).map((end) => [end.partition, BigInt(end.high)]));
  }

  /**
   * Records before `marks` (offsets per partition of `topic`, e.g. from topicEnds) that the group has
   * not committed yet: 0 once it has handled everything that was on the topic when the marks were taken.
   */
  async uncommittedBefore(groupId: string, topic: string, marks: ReadonlyMap<number, bigint>): Promise<number> {
    let behind = 0n;
    for (const { partition, position } of await this.positions(groupId, topic)) {
      const mark = marks.get(partition) ?? 0n;
      if (mark > position) behind += mark - position;
    }
    return Number(behind);
  }

  /** Where the group stands in each partition of `topic` (its commit, or the low watermark if it never committed there), and the partition's end. */
  private async positions(groupId: string, topic: string): Promise<Array<{ partition: number; position: bigint; high: bigint }>> {
    const [committed, ends] = await Promise.all([this.admin.fetchOffsets({ groupId, topics: [topic] }), this.admin.fetchTopicOffsets(topic)]);
    const done = new Map((committed.find((entry) => entry.topic === topic)?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return ends.map((end) => {
      const low = BigInt(end.low);
      const commit = done.get(end.partition) ?? -1n;
      return { partition: end.partition, position: commit > low ? commit : low, high: BigInt(end.high) };
    });
  }

  /** The group's members as the coordinator describes them: host, and the user data each announced with its subscription. */
  async groupMembers(groupId: string): Promise<{ state: string; members: Array<{ memberId: string; clientHost: string; userData: Buffer }> }> {
    const { groups } = await this.admin.describeGroups([groupId]);
    const group = groups[0];
    const members = (group?.members ?? []).map((member) => {
      let userData: Buffer = Buffer.alloc(0);
      try {
        userData = member.memberMetadata.length > 0 ? (AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.userData ?? userData) : userData;
      } catch {
        // Another protocol's metadata: no user data to read.
      }
      return { memberId: member.memberId, clientHost: member.clientHost, userData };
    });
    return { state: group?.state ?? 'Unknown', members };
  }

  /** Leaders and in-sync replicas of each partition, from fresh metadata, and the topic's min.insync.replicas. */
  async topicHealth(topic: string): Promise<TopicHealth> {
    const [metadata, minInsyncReplicas] = await Promise.all([this.admin.fetchTopicMetadata({ topics: [topic] }), this.minInsyncReplicas(topic)]);
    const partitions = (metadata.topics.find((entry) => entry.name === topic)?.partitions ?? []).map((partition) => ({
      partition: partition.partitionId,
      leader: partition.leader,
      inSync: partition.isr.length,
    }));
    return { topic, minInsyncReplicas, partitions };
  }

  /** The cluster answers, and every topic the service writes can take acks=all writes on every partition. */
  async check(): Promise<void> {
    const { brokers } = await this.describe();
    if (brokers === 0) throw new Error('cluster reports no brokers');
    const reasons = (await Promise.all(this.writes.map(async (topic) => unwritableReason(await this.topicHealth(topic))))).filter((reason) => reason !== undefined);
    if (reasons.length > 0) throw new Error(reasons.join('; '));
  }

  /** The topic's effective min.insync.replicas (its own setting or the broker default). */
  private async minInsyncReplicas(topic: string): Promise<number> {
    const cached = this.minIsr.get(topic);
    if (cached && Date.now() - cached.at < MIN_ISR_TTL_MS) return cached.value;
    const described = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }],
    });
    const entry = described.resources[0]?.configEntries.find((config) => config.configName === 'min.insync.replicas');
    const value = Number(entry?.configValue ?? 1);
    this.minIsr.set(topic, { value, at: Date.now() });
    return value;
  }
}
