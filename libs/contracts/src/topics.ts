/**
 * Every topic of the platform, declared once. Provisioning (`stack:up`, the CLI) creates and checks
 * topics from this list; code refers to topics only through `TOPICS`.
 */
export const TOPICS = {
  trackingEvents: 'tracking.events.v1',
  trackingEventsRejected: 'tracking.events.rejected.v1',
  trackingAudit: 'tracking.audit.v1',
  automationTriggers: 'automation.triggers.v1',
  vaultLoaderDeadLetter: 'vault-loader.dead-letter.v1',
  automationTriggerDeadLetter: 'automation-trigger.dead-letter.v1',
  exporterDeadLetter: 'exporter.dead-letter.v1',
  billingSiteDomains: 'billing.site-domains.v1',
  customers: 'tracking.customers.v1',
  exporterSiteDomainCandidates: 'exporter.site-domain-candidates.v1',
  privacyErasures: 'privacy.erasures.v1',
  privacyErasureReports: 'privacy.erasure-reports.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Consumer group of each consuming service. Replays move these groups. */
export const CONSUMER_GROUPS = {
  vaultLoader: 'vault-loader',
  automationTrigger: 'automation-trigger',
  exporter: 'exporter',
} as const;

export type ConsumingService = keyof typeof CONSUMER_GROUPS;

/** What each consuming service reads: its consumer lag (the status API) is summed over these. */
export const CONSUMER_SUBSCRIPTIONS: Readonly<Record<ConsumingService, readonly TopicName[]>> = {
  vaultLoader: [TOPICS.trackingEvents, TOPICS.trackingAudit],
  automationTrigger: [TOPICS.trackingEvents],
  exporter: [TOPICS.trackingEvents],
};

/** Where each consuming service parks the records it can never process. */
export const DEAD_LETTER_TOPICS: Readonly<Record<ConsumingService, TopicName>> = {
  vaultLoader: TOPICS.vaultLoaderDeadLetter,
  automationTrigger: TOPICS.automationTriggerDeadLetter,
  exporter: TOPICS.exporterDeadLetter,
};

export type CleanupPolicy = 'delete' | 'compact';

export interface TopicDeclaration {
  readonly name: TopicName;
  readonly partitions: number;
  /** -1 keeps records forever. */
  readonly retentionMs: number;
  readonly cleanupPolicy: CleanupPolicy;
  /** File in schemas/avro holding the value schema, registered under `<topic>-value`. */
  readonly valueSchemaFile?: string;
  /**
   * Replicas of each partition. Unset: the cluster's default.replication.factor (1 on the one-broker
   * stack, 3 on a cluster), so one declaration fits both. TOPIC_REPLICATION_FACTOR overrides it when
   * provisioning.
   */
  readonly replicationFactor?: number;
  /**
   * In-sync replicas an acks=all write needs. Unset: the cluster's min.insync.replicas (1 on the
   * one-broker stack, 2 on a cluster). TOPIC_MIN_INSYNC_REPLICAS overrides it when provisioning.
   */
  readonly minInsyncReplicas?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const TOPIC_DECLARATIONS: readonly TopicDeclaration[] = [
  {
    name: TOPICS.trackingEvents,
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete',
    valueSchemaFile: 'tracking-event.v1.avsc',
  },
  {
    name: TOPICS.trackingEventsRejected,
    partitions: 3,
    retentionMs: 14 * DAY_MS,
    cleanupPolicy: 'delete',
    valueSchemaFile: 'rejected-event.v1.avsc',
  },
  { name: TOPICS.trackingAudit, partitions: 3, retentionMs: 90 * DAY_MS, cleanupPolicy: 'delete', valueSchemaFile: 'audit-record.v1.avsc' },
  {
    name: TOPICS.automationTriggers,
    partitions: 3,
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete',
    valueSchemaFile: 'automation-trigger.v1.avsc',
  },
  { name: TOPICS.vaultLoaderDeadLetter, partitions: 1, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete' },
  { name: TOPICS.automationTriggerDeadLetter, partitions: 1, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete' },
  { name: TOPICS.exporterDeadLetter, partitions: 1, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete' },
  // Compacted and kept forever: one record per customer and domain, the list billing reads.
  { name: TOPICS.billingSiteDomains, partitions: 3, retentionMs: -1, cleanupPolicy: 'compact', valueSchemaFile: 'site-domain.v1.avsc' },
  // The one configuration of every instance (issue 17): compacted and kept forever, the latest record
  // per customer id is its configuration, a tombstone removes it. Every instance of every service reads
  // it whole at start and follows it. One partition: it is small, and one order of changes is what an
  // operator reads back.
  { name: TOPICS.customers, partitions: 1, retentionMs: -1, cleanupPolicy: 'compact', valueSchemaFile: 'customer-documents.v1.avsc' },
  // Domains exporter instances saw for the first time, keyed like billing: each key's one partition has one
  // reader in the exporters' arbiter group, which alone publishes it to billing (once across instances).
  { name: TOPICS.exporterSiteDomainCandidates, partitions: 3, retentionMs: 7 * DAY_MS, cleanupPolicy: 'delete', valueSchemaFile: 'site-domain.v1.avsc' },
  // Erasure requests (issue 20): compacted and kept forever, one record per request (key: request id), so
  // every instance of every service reads the whole list at start and follows it. It holds only hashes of
  // the subjects' ids, never the ids. One partition: small, and one order of requests.
  { name: TOPICS.privacyErasures, partitions: 1, retentionMs: -1, cleanupPolicy: 'compact', valueSchemaFile: 'erasure-request.v1.avsc' },
  // What each place did with each request (key: `<request_id>/<place>`): the status API reads it whole.
  { name: TOPICS.privacyErasureReports, partitions: 1, retentionMs: -1, cleanupPolicy: 'compact', valueSchemaFile: 'erasure-report.v1.avsc' },
];

/** Confluent's TopicNameStrategy: the value schema of topic T lives under subject `T-value`. */
export function valueSubject(topic: TopicName): string {
  return `${topic}-value`;
}
