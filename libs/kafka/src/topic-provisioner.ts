import type { Admin, ITopicConfig } from 'kafkajs';
import type { TopicDeclaration } from '@tracking/contracts';

/** Deployment-specific overrides of the declared topics (a test broker wants fewer partitions). */
export interface TopicOverrides {
  partitions?: number;
  retentionMs?: number;
}

export interface TopicReport {
  topic: string;
  action: 'created' | 'unchanged' | 'updated';
  changes: string[];
}

function effectiveConfig(declaration: TopicDeclaration, overrides: TopicOverrides): Record<string, string> {
  return {
    'cleanup.policy': declaration.cleanupPolicy,
    'retention.ms': String(overrides.retentionMs ?? declaration.retentionMs),
  };
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
      replicationFactor: -1,
      configEntries: Object.entries(effectiveConfig(declaration, overrides)).map(([name, value]) => ({ name, value })),
    }));
  if (missing.length > 0) {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  }

  const reports: TopicReport[] = missing.map((topic) => ({ topic: topic.topic, action: 'created', changes: [] }));
  const present = declarations.filter((declaration) => existing.has(declaration.name));
  if (present.length === 0) return reports;

  const metadata = await admin.fetchTopicMetadata({ topics: present.map((declaration) => declaration.name) });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((declaration) => ({ type: 2 /* TOPIC */, name: declaration.name, configNames: ['cleanup.policy', 'retention.ms'] })),
  });

  for (const declaration of present) {
    const changes: string[] = [];
    const partitions = metadata.topics.find((topic) => topic.name === declaration.name)?.partitions.length ?? 0;
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
    reports.push({ topic: declaration.name, action: changes.length > 0 ? 'updated' : 'unchanged', changes });
  }
  return reports;
}
