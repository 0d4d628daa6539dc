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
  vaultLoader: [TOPICS.trackingEvents, TOPICS.trackingAudit, TOPICS.trackingEventsRejected],
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
  /**
   * How long a log segment stays open (segment.ms). Kafka deletes a record only with its segment,
   * once the segment's newest record is older than retentionMs, so a record can remain up to
   * retentionMs + segmentMs. Unset: the broker's log.roll.ms (7 days by default).
   */
  readonly segmentMs?: number;
  /**
   * The topic's records can name a person (visitor or user ids, addresses, payloads): its retention
   * plus its segment roll must stay within GDPR's month (LONGEST_PERSONAL_DATA_MS), because a log
   * cannot be edited and an erased person's records leave it only by expiring (issue 20).
   */
  readonly personalData?: boolean;
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

/**
 * The longest any record naming a person may stay on a topic: an erasure is answered "without undue
 * delay and in any event within one month" (GDPR art. 12(3)); a month is at least 28 days, and
 * Kafka's retention check (log.retention.check.interval.ms, 5 minutes) comes on top, so 28 days.
 */
export const LONGEST_PERSONAL_DATA_MS = 28 * DAY_MS;

/** Personal data topics: kept 27 days, segments rolled daily, so no record stays past 28 days. */
const PERSONAL_RETENTION_MS = 27 * DAY_MS;
const SEGMENT_MS = DAY_MS;

/** The longest a record can remain on the topic: retention plus one segment's span (Infinity when kept forever). */
export function longestKeptMs(declaration: Pick<TopicDeclaration, 'retentionMs' | 'segmentMs' | 'cleanupPolicy'>): number {
  if (declaration.retentionMs < 0 || declaration.cleanupPolicy === 'compact') return Number.POSITIVE_INFINITY;
  return declaration.retentionMs + (declaration.segmentMs ?? 7 * DAY_MS);
}

export const TOPIC_DECLARATIONS: readonly TopicDeclaration[] = [
  {
    name: TOPICS.trackingEvents,
    partitions: 6,
    retentionMs: PERSONAL_RETENTION_MS,
    segmentMs: SEGMENT_MS,
    personalData: true,
    cleanupPolicy: 'delete',
    valueSchemaFile: 'tracking-event.v1.avsc',
  },
  {
    name: TOPICS.trackingEventsRejected,
    partitions: 3,
    retentionMs: 14 * DAY_MS,
    segmentMs: SEGMENT_MS,
    personalData: true,
    cleanupPolicy: 'delete',
    valueSchemaFile: 'rejected-event.v1.avsc',
  },
  // The audit trail names no visitor or user and no address (ip_block is the /24 or /48 network): not
  // personal data of the tracked people, so it keeps its 90 days; segments roll daily all the same.
  { name: TOPICS.trackingAudit, partitions: 3, retentionMs: 90 * DAY_MS, segmentMs: SEGMENT_MS, cleanupPolicy: 'delete', valueSchemaFile: 'audit-record.v1.avsc' },
  {
    name: TOPICS.automationTriggers,
    partitions: 3,
    retentionMs: PERSONAL_RETENTION_MS,
    segmentMs: SEGMENT_MS,
    personalData: true,
    cleanupPolicy: 'delete',
    valueSchemaFile: 'automation-trigger.v1.avsc',
  },
  { name: TOPICS.vaultLoaderDeadLetter, partitions: 1, retentionMs: PERSONAL_RETENTION_MS, segmentMs: SEGMENT_MS, personalData: true, cleanupPolicy: 'delete' },
  { name: TOPICS.automationTriggerDeadLetter, partitions: 1, retentionMs: PERSONAL_RETENTION_MS, segmentMs: SEGMENT_MS, personalData: true, cleanupPolicy: 'delete' },
  { name: TOPICS.exporterDeadLetter, partitions: 1, retentionMs: PERSONAL_RETENTION_MS, segmentMs: SEGMENT_MS, personalData: true, cleanupPolicy: 'delete' },
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
