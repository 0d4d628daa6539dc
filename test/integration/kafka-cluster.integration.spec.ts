import { TOPICS, TOPIC_DECLARATIONS } from '@tracking/contracts';
import { runCli } from '@test/support/cli';
import { clusterStack, type ClusterStack } from '@test/support/cluster-stack';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

interface DescribedTopic {
  topic: string;
  replicationFactor: number;
  minInsyncReplicas: number;
  underReplicatedPartitions: number[];
  offlinePartitions: number[];
  partitionOffsets: Array<{ partition: number; leader: number; replicaNodes: number[]; inSyncNodes: number[]; underReplicated: boolean }>;
}

/**
 * The three-broker cluster of the local stack (STACK_KAFKA_BROKERS=3), as the drills use it: topics
 * replicated three ways with min.insync.replicas 2, and `tracking topics describe` seeing a broker
 * go and come back. Kept short: the drills break the cluster under load.
 */
describe('three-broker cluster (STACK_KAFKA_BROKERS=3)', () => {
  let cluster: ClusterStack;
  const describeTopics = async (...args: string[]): Promise<DescribedTopic[]> => {
    const env = { ...testEnvironment(), kafkaBrokers: cluster.connection.kafkaBrokers, schemaRegistryUrl: cluster.connection.schemaRegistryUrl };
    const run = await runCli(env, ['--json', 'topics', 'describe', ...args], cluster.env);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    return (JSON.parse(run.stdout) as { topics: DescribedTopic[] }).topics;
  };

  beforeAll(async () => {
    cluster = await clusterStack();
  }, 240_000);

  it('provisions every declared topic with three replicas on three brokers and min.insync.replicas 2', async () => {
    const topics = await describeTopics();
    expect(topics.map((topic) => topic.topic).sort()).toEqual(TOPIC_DECLARATIONS.map((declaration) => declaration.name).sort());
    for (const topic of topics) {
      expect(topic).toMatchObject({ topic: topic.topic, replicationFactor: 3, minInsyncReplicas: 2, offlinePartitions: [] });
      for (const partition of topic.partitionOffsets) expect(partition.replicaNodes).toEqual([1, 2, 3]);
    }
  });

  it('describe flags the partitions of a killed broker as under-replicated, and the restarted broker rejoins the ISR', async () => {
    const victim = cluster.broker(2);
    await victim.kill();
    try {
      // The controller fences a broker that stops heartbeating (broker.session.timeout.ms, 9 s) and shrinks the ISRs.
      const [events] = await waitFor(
        () => describeTopics(TOPICS.trackingEvents),
        (topics) => topics[0]?.underReplicatedPartitions.length === topics[0]?.partitionOffsets.length,
        { timeoutMs: 30_000, what: `${TOPICS.trackingEvents} under-replicated after broker 2 was killed` },
      );
      expect(events!.offlinePartitions).toEqual([]);
      expect(events!.partitionOffsets.every((partition) => partition.leader !== 2 && !partition.inSyncNodes.includes(2))).toBe(true);
      expect([...(await cluster.leaders(TOPICS.trackingEvents)).values()]).not.toContain(2);
    } finally {
      await victim.start();
    }
    const tookMs = await cluster.waitForFullIsr(TOPICS.trackingEvents, 60_000);
    process.stderr.write(`broker 2 back in every ISR of ${TOPICS.trackingEvents} ${tookMs} ms after it was registered again\n`);
    const [events] = await describeTopics(TOPICS.trackingEvents);
    expect(events!.underReplicatedPartitions).toEqual([]);
  }, 120_000);
});
