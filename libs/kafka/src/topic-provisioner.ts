import type { Admin, ITopicConfig } from 'kafkajs';
import type { TopicDeclaration } from '@tracking/contracts';

/** Deployment-specific overrides of the declared topics (a test broker wants fewer partitions). */
export interface TopicOverrides {
  partitions?: number;
  retentionMs?: number;
  /** Every topic's replication factor (TOPIC_REPLICATION_FACTOR), instead of its declaration's. */
  replicationFactor?: number;
  /** Every topic's min.insync.replicas (TOPIC_MIN_INSYNC_REPLICAS), instead of its declaration's. */
  minInsyncReplicas?: number;
}

export interface TopicReport {
  topic: string;
  action: 'created' | 'unchanged' | 'updated';
  changes: string[];
  /** What provisioning cannot change and a person should look at, e.g. a different replication factor. */
  warnings: string[];
}

function effectiveConfig(declaration: TopicDeclaration, overrides: TopicOverrides): Record<string, string> {
  const config: Record<string, string> = {
    'cleanup.policy': declaration.cleanupPolicy,
    'retention.ms': String(overrides.retentionMs ?? declaration.retentionMs),
  };
  // A record leaves only with its segment: segment.ms bounds how long past retention it can stay (issue 20).
  if (declaration.segmentMs !== undefined) config['segment.ms'] = String(declaration.segmentMs);
  // Unset, the topic follows the cluster's min.insync.replicas.
  const minInsyncReplicas = overrides.minInsyncReplicas ?? declaration.minInsyncReplicas;
  if (minInsyncReplicas !== undefined) config['min.insync.replicas'] = String(minInsyncReplicas);
  return config;
}

function wantedReplicationFactor(declaration: TopicDeclaration, overrides: TopicOverrides): number | undefined {
  return overrides.replicationFactor ?? declaration.replicationFactor;
}

/**
 * Creates missing topics and brings existing ones to their declaration: partitions only ever grow
 * (shrinking would reorder keys), and configs are set to the declared values. Safe to run again.
 */
export async function ensureTopics(
  admin: Admin,
  declarations: readonly TopicDeclaration[],
  overrides: TopicOverrides = {},
): Promise<TopicReport[]> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = declarations
    .filter((declaration) => !existing.has(declaration.name))
    .map((declaration) => ({
      topic: declaration.name,
      numPartitions: overrides.partitions ?? declaration.partitions,
      // -1: the cluster's default.replication.factor.
      replicationFactor: wantedReplicationFactor(declaration, overrides) ?? -1,
      configEntries: Object.entries(effectiveConfig(declaration, overrides)).map(([name, value]) => ({ name, value })),
    }));
  if (missing.length > 0) {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  }

  const reports: TopicReport[] = missing.map((topic) => ({ topic: topic.topic, action: 'created', changes: [], warnings: [] }));
  const present = declarations.filter((declaration) => existing.has(declaration.name));
  if (present.length === 0) return reports;

  const metadata = await admin.fetchTopicMetadata({ topics: present.map((declaration) => declaration.name) });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((declaration) => ({ type: 2 /* TOPIC */, name: declaration.name, configNames: ['cleanup.policy', 'retention.ms', 'segment.ms', 'min.insync.replicas'] })),
  });

  for (const declaration of present) {
    const changes: string[] = [];
    const warnings: string[] = [];
    const partitionMetadata = metadata.topics.find((topic) => topic.name === declaration.name)?.partitions ?? [];
    const partitions = partitionMetadata.length;
    const replicationFactor = wantedReplicationFactor(declaration, overrides);
    const actualFactors = [...new Set(partitionMetadata.map((partition) => partition.replicas.length))];
    if (replicationFactor !== undefined && actualFactors.some((factor) => factor !== replicationFactor)) {
      // Changing it means moving replicas between brokers, which a provisioning run must not start on its own.
      warnings.push(
        `replication factor ${actualFactors.join('/')}, wanted ${replicationFactor}: not changed (reassign its partitions with kafka-reassign-partitions, or delete and re-create the topic)`,
      );
    }
    const wantedPartitions = overrides.partitions ?? declaration.partitions;
    if (partitions < wantedPartitions) {
      await admin.createPartitions({ topicPartitions: [{ topic: declaration.name, count: wantedPartitions }] });
      changes.push(`partitions ${partitions} -> ${wantedPartitions}`);
    }
    const current = configs.resources.find((resource) => resource.resourceName === declaration.name)?.configEntries ?? [];
    const wanted = effectiveConfig(declaration, overrides);
    const drift = Object.entries(wanted).filter(
      ([name, value]) => current.find((entry) => entry.configName === name)?.configValue !== value,
    );
    if (drift.length > 0) {
      // kafkajs has no IncrementalAlterConfigs: this replaces the topic's overrides with exactly the
      // declared ones, which is what declaring them means.
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: 2, name: declaration.name, configEntries: Object.entries(wanted).map(([name, value]) => ({ name, value })) }],
      });
      changes.push(...drift.map(([name, value]) => `${name} -> ${value}`));
    }
    reports.push({ topic: declaration.name, action: changes.length > 0 ? 'updated' : 'unchanged', changes, warnings });
  }
  return reports;
}
