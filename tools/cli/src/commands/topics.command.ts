import type { Command } from 'commander';
import { TOPIC_DECLARATIONS } from '@tracking/contracts';
import { ensureTopics, type TopicReport } from '@tracking/kafka';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { listUserTopics, withAdmin } from '../inspect/kafka-admin';
import { positiveInteger } from '../inspect/option-parsers';
import { formatRetention, table } from '../inspect/text-format';
import { describeTopics, type TopicDescription } from '../inspect/topic-describer';

export function registerTopics(program: Command, context: () => CliContext): void {
  const topics = program
    .command('topics')
    .description('Create, update and inspect the topics declared in libs/contracts (TOPIC_DECLARATIONS)')
    .addHelpText(
      'after',
      `
Examples:
  $ npm run --silent tracking -- topics ensure
  $ npm run --silent tracking -- topics describe tracking.events.v1
  $ npm run --silent tracking -- --json topics describe | jq '.topics[] | {topic, records, mismatches}'`,
    );

  topics
    .command('ensure')
    .description('Create missing topics and bring existing ones to their declaration (the code `npm run stack:up` provisions with)')
    .option('--partitions <n>', 'use this partition count for every topic instead of the declared ones (KAFKA_TOPIC_PARTITIONS of the stack); partitions only ever grow', positiveInteger)
    .option('--replication-factor <n>', 'create missing topics with this replication factor instead of the declared one or the cluster default (TOPIC_REPLICATION_FACTOR of the stack); an existing topic with another one is reported, not changed', positiveInteger)
    .option('--min-insync-replicas <n>', "set every topic's min.insync.replicas instead of the declared one or the cluster default (TOPIC_MIN_INSYNC_REPLICAS of the stack)", positiveInteger)
    .addHelpText(
      'after',
      `
Partitions only grow (shrinking would reorder keys); retention.ms and cleanup.policy are set to the
declared values. Running it again changes nothing. Value schemas are registered by
\`npm run stack:provision\` or the first producer, not here.

Output (--json): {"topics": [{"topic", "action": "created" | "updated" | "unchanged", "changes": [..],
  "warnings": [..]}]}

Examples:
  $ npm run --silent tracking -- topics ensure
  $ npm run --silent tracking -- --brokers kafka-1:9092,kafka-2:9092 --json topics ensure`,
    )
    .action(async (options: { partitions?: number; replicationFactor?: number; minInsyncReplicas?: number }) => {
      const ctx = context();
      const overrides = { partitions: options.partitions, replicationFactor: options.replicationFactor, minInsyncReplicas: options.minInsyncReplicas };
      const reports = await withAdmin(ctx, (admin) => ensureTopics(admin, TOPIC_DECLARATIONS, overrides));
      ctx.output.result({ topics: reports }, renderEnsure);
    });

  topics
    .command('describe [topic]')
    .description('Partitions, replication, retention, cleanup, offsets, records and value schema of each declared topic (or of one topic), with differences from the declaration')
    .addHelpText(
      'after',
      `
Records per partition are high - low offset: exact for plain topics, an upper bound once compaction
or transaction markers leave gaps. Size on disk is shown as n/a: kafkajs cannot ask brokers for
log dir sizes (use kafka-log-dirs.sh for that). "mismatches" lists where a topic differs from its
declaration, each with what to do.

Each partition shows its leader, replica and in-sync node ids, and its state: UNDER-REPLICATED
(fewer replicas in sync than assigned) or OFFLINE (no leader).

Output (--json): {"topics": [{"topic", "exists", "partitions", "replicationFactor",
  "minInsyncReplicas", "retentionMs", "segmentMs", "cleanupPolicy", "underReplicatedPartitions": [..],
  "offlinePartitions": [..], "records", "sizeBytes": null, "declaration", "valueSchema": {"subject",
  "file", "latestVersion", "latestId", "matchesFile"}, "partitionOffsets": [{"partition", "leader",
  "replicas", "inSync", "replicaNodes", "inSyncNodes", "underReplicated", "offline", "low", "high",
  "records"}], "mismatches": [..]}]}

Examples:
  $ npm run --silent tracking -- topics describe
  $ npm run --silent tracking -- topics describe billing.site-domains.v1
  $ npm run --silent tracking -- --json topics describe | jq '.topics[] | select(.mismatches != [])'`,
    )
    .action(async (topic: string | undefined) => {
      const ctx = context();
      const registry = ctx.registryRest();
      const descriptions = await withAdmin(ctx, async (admin) => {
        const existing = await listUserTopics(admin);
        if (topic !== undefined && !existing.includes(topic)) {
          throw new CliError(`topic ${topic} does not exist on ${ctx.brokers.join(',')}`, `Topics: ${existing.join(', ') || '(none)'}`);
        }
        const wanted = topic !== undefined ? [topic] : TOPIC_DECLARATIONS.map((declaration) => declaration.name);
        return describeTopics(admin, registry, wanted, new Set(existing));
      });
      ctx.output.result({ topics: descriptions }, (data) => data.topics.map(renderDescription).join('\n\n'));
    });
}

function renderEnsure({ topics }: { topics: TopicReport[] }): string {
  const counts = ['created', 'updated', 'unchanged'].map((action) => `${topics.filter((topic) => topic.action === action).length} ${action}`).join(', ');
  const warnings = topics.flatMap((topic) => topic.warnings.map((warning) => `! ${topic.topic}: ${warning}`));
  return [table(['topic', 'action', 'changes'], topics.map((topic) => [topic.topic, topic.action, topic.changes.join('; ')])), ...warnings, counts].join('\n');
}

function renderDescription(topic: TopicDescription): string {
  if (!topic.exists) return `${topic.topic}: does not exist\n${topic.mismatches.map((mismatch) => `  ! ${mismatch}`).join('\n')}`;
  const declared = topic.declaration ? ` (declared ${topic.declaration.partitions})` : '';
  const schema = topic.valueSchema;
  const schemaText = !schema
    ? 'none'
    : schema.latestVersion === null
      ? `${schema.subject}: not registered`
      : `${schema.subject} v${schema.latestVersion} (id ${schema.latestId})${schema.file ? `, file ${schema.file}${schema.matchesFile ? '' : ' (differs)'}` : ''}`;
  const lines = [
    topic.topic,
    `  partitions ${topic.partitions}${declared}, replication ${topic.replicationFactor ?? '?'}, min.insync.replicas ${topic.minInsyncReplicas ?? '?'}, retention ${formatRetention(topic.retentionMs)}${topic.segmentMs !== null ? ` (segments roll every ${formatRetention(topic.segmentMs)})` : ''}, cleanup ${topic.cleanupPolicy ?? 'unknown'}`,
    `  records ${topic.records.toLocaleString('en-US')}, size n/a (kafkajs cannot read log dir sizes)`,
    `  value schema ${schemaText}`,
    table(
      ['partition', 'leader', 'replicas', 'isr', 'low', 'high', 'records', 'state'],
      topic.partitionOffsets.map((p) => [
        p.partition,
        p.offline ? 'none' : p.leader,
        p.replicaNodes.join(','),
        p.inSyncNodes.join(','),
        p.offline ? '?' : p.low,
        p.offline ? '?' : p.high,
        p.offline ? '?' : p.records,
        p.offline ? 'OFFLINE' : p.underReplicated ? 'UNDER-REPLICATED' : 'ok',
      ]),
      '  ',
    ),
    ...(topic.offlinePartitions.length > 0
      ? [`  ! offline partitions (no leader; writes and reads fail until a replica returns): ${topic.offlinePartitions.join(', ')}`]
      : []),
    ...(topic.underReplicatedPartitions.length > 0
      ? [`  ! under-replicated partitions (ISR smaller than replicas; a broker is down or behind): ${topic.underReplicatedPartitions.join(', ')}`]
      : []),
    ...topic.mismatches.map((mismatch) => `  ! ${mismatch}`),
  ];
  return lines.join('\n');
}
