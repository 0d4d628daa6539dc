import { randomUUID } from 'node:crypto';
import { type Admin } from 'kafkajs';
import type { TopicDeclaration, TopicName } from '@tracking/contracts';
import { ensureTopics } from '@tracking/kafka';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';

describe(ensureTopics.name, () => {
  const env = testEnvironment();
  let admin: Admin;
  const created: string[] = [];

  const declaration = (overrides: Partial<TopicDeclaration> = {}): TopicDeclaration => {
    const name = `it.provisioning.${randomUUID()}` as TopicName;
    created.push(name);
    return { name, partitions: 2, retentionMs: 3_600_000, cleanupPolicy: 'delete', ...overrides };
  };

  const configOf = async (topic: string) => {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: topic, configNames: ['retention.ms', 'cleanup.policy', 'min.insync.replicas'] }],
    });
    return Object.fromEntries(described.resources[0].configEntries.map((entry) => [entry.configName, entry.configValue]));
  };

  const segmentOf = async (topic: string): Promise<string | undefined> => {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['segment.ms'] }] });
    return described.resources[0].configEntries.find((entry) => entry.configName === 'segment.ms')?.configValue;
  };

  beforeAll(async () => {
    admin = testKafka(env.kafkaBrokers).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates missing topics with the declared partitions and configs, and changes nothing the second time', async () => {
    const topic = declaration({ cleanupPolicy: 'compact', retentionMs: -1 });
    expect(await ensureTopics(admin, [topic])).toEqual([{ topic: topic.name, action: 'created', changes: [], warnings: [] }]);
    expect(await ensureTopics(admin, [topic])).toEqual([{ topic: topic.name, action: 'unchanged', changes: [], warnings: [] }]);

    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic.name] })).topics;
    expect(metadata.partitions).toHaveLength(2);
    // min.insync.replicas undeclared: the broker's (1 on the one-broker stack).
    expect(await configOf(topic.name)).toEqual({ 'cleanup.policy': 'compact', 'retention.ms': '-1', 'min.insync.replicas': '1' });
  });

  it('grows partitions and corrects drifted configs of an existing topic', async () => {
    const topic = declaration();
    await ensureTopics(admin, [topic]);
    const report = await ensureTopics(admin, [{ ...topic, partitions: 4, retentionMs: 7_200_000 }]);
    expect(report).toEqual([{ topic: topic.name, action: 'updated', changes: ['partitions 2 -> 4', 'retention.ms -> 7200000'], warnings: [] }]);
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic.name] })).topics;
    expect(metadata.partitions).toHaveLength(4);
  });

  it('sets segment.ms on a new topic and on an existing one (a record leaves with its segment: retention + roll bound its stay, issue 20)', async () => {
    const fresh = declaration({ segmentMs: 86_400_000 });
    await ensureTopics(admin, [fresh]);
    expect(await segmentOf(fresh.name)).toBe('86400000');

    const existing = declaration();
    await ensureTopics(admin, [existing]);
    const report = await ensureTopics(admin, [{ ...existing, segmentMs: 3_600_000 }]);
    expect(report).toEqual([{ topic: existing.name, action: 'updated', changes: ['segment.ms -> 3600000'], warnings: [] }]);
    expect(await segmentOf(existing.name)).toBe('3600000');
    expect((await ensureTopics(admin, [{ ...existing, segmentMs: 3_600_000 }]))[0].action).toBe('unchanged');
  });

  it('lets a deployment override partition counts (a test broker wants fewer)', async () => {
    const topic = declaration({ partitions: 12 });
    await ensureTopics(admin, [topic], { partitions: 1 });
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic.name] })).topics;
    expect(metadata.partitions).toHaveLength(1);
  });

  it('sets a declared min.insync.replicas, and reports rather than changes a replication factor that differs', async () => {
    const topic = declaration({ minInsyncReplicas: 1 });
    await ensureTopics(admin, [topic]);
    expect((await configOf(topic.name))['min.insync.replicas']).toBe('1');

    const report = await ensureTopics(admin, [topic], { minInsyncReplicas: 2, replicationFactor: 3 });
    expect(report).toEqual([
      {
        topic: topic.name,
        action: 'updated',
        changes: ['min.insync.replicas -> 2'],
        warnings: [expect.stringMatching(/^replication factor 1, wanted 3: not changed/)],
      },
    ]);
    expect((await configOf(topic.name))['min.insync.replicas']).toBe('2');
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic.name] })).topics;
    expect(metadata.partitions.every((partition) => partition.replicas.length === 1)).toBe(true);
  });
});
