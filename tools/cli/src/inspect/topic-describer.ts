import type { Admin } from 'kafkajs';
import { TOPIC_DECLARATIONS, readAvroSchema, valueSubject, type TopicDeclaration, type TopicName } from '@tracking/contracts';
import type { RegistryRestClient } from './registry-rest.client';
import { sameSchema } from './schema-diff';

export interface PartitionDescription {
  partition: number;
  /** Node id of the leader; -1 when the partition has none (offline). */
  leader: number;
  /** How many replicas; their node ids in replicaNodes. */
  replicas: number;
  /** How many replicas are in sync; their node ids in inSyncNodes. */
  inSync: number;
  replicaNodes: number[];
  inSyncNodes: number[];
  /** Fewer replicas in sync than assigned: a broker is down or lagging. */
  underReplicated: boolean;
  /** No leader: nothing can be written to or read from it until one of its replicas returns. */
  offline: boolean;
  /** First offset still in the log. */
  low: number;
  /** End offset: the offset the next record gets. */
  high: number;
  /** high - low: exact for a plain topic; an upper bound once compaction or transaction markers leave gaps. */
  records: number;
}

export interface ValueSchemaDescription {
  subject: string;
  /** File in schemas/avro the declaration names; null for an undeclared topic. */
  file: string | null;
  latestVersion: number | null;
  /** Registry id of the latest version. */
  latestId: number | null;
  /** Whether the latest registered version is the file's schema; null when either is missing. */
  matchesFile: boolean | null;
}

export interface TopicDescription {
  topic: string;
  exists: boolean;
  partitions: number;
  replicationFactor: number | null;
  retentionMs: number | null;
  /** segment.ms (its own or the broker's): a record stays up to retention plus this; null when unknown. */
  segmentMs: number | null;
  cleanupPolicy: string | null;
  /** The topic's min.insync.replicas (its own or the cluster's); null when unknown. */
  minInsyncReplicas: number | null;
  /** Partitions whose ISR is smaller than their replicas. */
  underReplicatedPartitions: number[];
  /** Partitions without a leader. */
  offlinePartitions: number[];
  records: number;
  /** Always null: kafkajs cannot ask brokers for log dir sizes (DescribeLogDirs). */
  sizeBytes: null;
  declaration: Omit<TopicDeclaration, 'name'> | null;
  valueSchema: ValueSchemaDescription | null;
  partitionOffsets: PartitionDescription[];
  mismatches: string[];
}

export type ObservedTopic = Pick<TopicDescription, 'exists' | 'partitions' | 'retentionMs' | 'cleanupPolicy' | 'valueSchema'> &
  Partial<Pick<TopicDescription, 'replicationFactor' | 'minInsyncReplicas' | 'segmentMs'>>;

export function declarationOf(topic: string): TopicDeclaration | undefined {
  return TOPIC_DECLARATIONS.find((declaration) => declaration.name === topic);
}

/** Where a topic differs from its declaration in libs/contracts, each with what to do about it. */
export function declarationMismatches(declaration: TopicDeclaration | undefined, observed: ObservedTopic): string[] {
  if (!declaration) return ['not declared in libs/contracts (TOPIC_DECLARATIONS)'];
  if (!observed.exists) return ['missing: `tracking topics ensure` creates it'];
  const mismatches: string[] = [];
  if (observed.partitions < declaration.partitions) {
    mismatches.push(`partitions ${observed.partitions}, declared ${declaration.partitions}: \`tracking topics ensure\` adds the missing ones`);
  } else if (observed.partitions > declaration.partitions) {
    mismatches.push(`partitions ${observed.partitions}, declared ${declaration.partitions}: partitions cannot shrink, update the declaration`);
  }
  if (observed.retentionMs !== declaration.retentionMs) {
    mismatches.push(`retention.ms ${observed.retentionMs ?? 'unknown'}, declared ${declaration.retentionMs}: \`tracking topics ensure\` sets it`);
  }
  if (declaration.segmentMs !== undefined && observed.segmentMs != null && observed.segmentMs !== declaration.segmentMs) {
    mismatches.push(`segment.ms ${observed.segmentMs}, declared ${declaration.segmentMs}: \`tracking topics ensure\` sets it (records outlive retention by up to a segment)`);
  }
  if (observed.cleanupPolicy !== declaration.cleanupPolicy) {
    mismatches.push(`cleanup.policy ${observed.cleanupPolicy ?? 'unknown'}, declared ${declaration.cleanupPolicy}: \`tracking topics ensure\` sets it`);
  }
  // Unset in the declaration, both follow the cluster's defaults and any value is as declared.
  if (declaration.replicationFactor !== undefined && observed.replicationFactor != null && observed.replicationFactor !== declaration.replicationFactor) {
    mismatches.push(
      `replication factor ${observed.replicationFactor}, declared ${declaration.replicationFactor}: reassign its partitions (kafka-reassign-partitions); \`tracking topics ensure\` does not move replicas`,
    );
  }
  if (declaration.minInsyncReplicas !== undefined && observed.minInsyncReplicas != null && observed.minInsyncReplicas !== declaration.minInsyncReplicas) {
    mismatches.push(`min.insync.replicas ${observed.minInsyncReplicas}, declared ${declaration.minInsyncReplicas}: \`tracking topics ensure\` sets it`);
  }
  const schema = observed.valueSchema;
  if (declaration.valueSchemaFile && schema) {
    if (schema.latestVersion === null) {
      mismatches.push(`value schema not registered under ${schema.subject}: \`npm run stack:provision\` (or the first producer) registers it`);
    } else if (schema.matchesFile === false) {
      mismatches.push(`latest ${schema.subject} (v${schema.latestVersion}) differs from schemas/avro/${declaration.valueSchemaFile}: see \`tracking schemas diff\``);
    }
  }
  return mismatches;
}

function withoutName({ name: _name, ...rest }: TopicDeclaration): Omit<TopicDeclaration, 'name'> {
  return rest;
}

async function valueSchemaOf(registry: RegistryRestClient, topic: string, declaration: TopicDeclaration | undefined): Promise<ValueSchemaDescription | null> {
  const subject = valueSubject(topic as TopicName);
  const latest = await registry.version(subject, 'latest');
  const file = declaration?.valueSchemaFile ?? null;
  if (!latest && !file) return null;
  return {
    subject,
    file,
    latestVersion: latest?.version ?? null,
    latestId: latest?.id ?? null,
    matchesFile: latest && file ? sameSchema(latest.schema, readAvroSchema(file).text) : null,
  };
}

/**
 * Partitions, replication, configs, offsets and value schema of each topic, compared with the
 * declaration. Topics that do not exist are described as missing rather than failing.
 */
export async function describeTopics(admin: Admin, registry: RegistryRestClient, topics: readonly string[], existing: ReadonlySet<string>): Promise<TopicDescription[]> {
  const present = topics.filter((topic) => existing.has(topic));
  const metadata = present.length > 0 ? (await admin.fetchTopicMetadata({ topics: present })).topics : [];
  const configs =
    present.length > 0
      ? (
          await admin.describeConfigs({
            includeSynonyms: false,
            resources: present.map((name) => ({ type: 2 /* TOPIC */, name, configNames: ['retention.ms', 'segment.ms', 'cleanup.policy', 'min.insync.replicas'] })),
          })
        ).resources
      : [];

  // One topic after the other: concurrent fetchTopicOffsets calls on one kafkajs admin race on its
  // metadata refresh, and over TLS one of them found no partitions for its topic and threw.
  const describeOne = async (topic: string): Promise<TopicDescription> => {
    const declaration = declarationOf(topic);
    const exists = existing.has(topic);
    const partitionMetadata = metadata.find((entry) => entry.name === topic)?.partitions ?? [];
    // An offline partition has no leader to ask; its offsets are unknown rather than the describe failing.
    const offline = partitionMetadata.some((partition) => partition.leader < 0);
    const offsets = exists && !offline ? await admin.fetchTopicOffsets(topic) : [];
    const config = (name: string): string | undefined =>
      configs.find((resource) => resource.resourceName === topic)?.configEntries.find((entry) => entry.configName === name)?.configValue;
    const retention = config('retention.ms');
    const segment = config('segment.ms');
    const minInsyncReplicas = config('min.insync.replicas');
    const partitionOffsets = partitionMetadata
      .map((partition): PartitionDescription => {
        const watermark = offsets.find((entry) => entry.partition === partition.partitionId);
        const low = Number(watermark?.low ?? 0);
        const high = Number(watermark?.high ?? 0);
        return {
          partition: partition.partitionId,
          leader: partition.leader,
          replicas: partition.replicas.length,
          inSync: partition.isr.length,
          replicaNodes: [...partition.replicas].sort((a, b) => a - b),
          inSyncNodes: [...partition.isr].sort((a, b) => a - b),
          underReplicated: partition.isr.length < partition.replicas.length,
          offline: partition.leader < 0,
          low,
          high,
          records: high - low,
        };
      })
      .sort((a, b) => a.partition - b.partition);
    const observed: ObservedTopic = {
      exists,
      partitions: partitionOffsets.length,
      replicationFactor: partitionOffsets.length > 0 ? Math.min(...partitionOffsets.map((partition) => partition.replicas)) : null,
      minInsyncReplicas: minInsyncReplicas === undefined ? null : Number(minInsyncReplicas),
      retentionMs: retention === undefined ? null : Number(retention),
      segmentMs: segment === undefined ? null : Number(segment),
      cleanupPolicy: config('cleanup.policy') ?? null,
      valueSchema: await valueSchemaOf(registry, topic, declaration),
    };
    return {
      topic,
      ...observed,
      replicationFactor: observed.replicationFactor ?? null,
      minInsyncReplicas: observed.minInsyncReplicas ?? null,
      segmentMs: observed.segmentMs ?? null,
      underReplicatedPartitions: partitionOffsets.filter((partition) => partition.underReplicated).map((partition) => partition.partition),
      offlinePartitions: partitionOffsets.filter((partition) => partition.offline).map((partition) => partition.partition),
      records: partitionOffsets.reduce((sum, partition) => sum + partition.records, 0),
      sizeBytes: null,
      declaration: declaration ? withoutName(declaration) : null,
      partitionOffsets,
      mismatches: declarationMismatches(declaration, observed),
    };
  };
  const descriptions: TopicDescription[] = [];
  for (const topic of topics) descriptions.push(await describeOne(topic));
  return descriptions;
}
