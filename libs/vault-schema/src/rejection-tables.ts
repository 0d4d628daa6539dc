import { col, relation } from './relation';

/**
 * What the gateway refused at the edge (tracking.events.rejected.v1), one row per rejection, loaded
 * by the vault-loader so a tenant can read its bad rows (issue 21, Rejected events). Raw layer: the
 * record as it came, insert-only, keyed by (tenant_hk, rejection_id), load_date = received_at.
 * `visitor_hk` / `user_hk` / `session_hk` are the subjects' hash keys when the refused payload
 * carried those ids as strings: the privacy erasure deletes a subject's rows through them.
 * Purged after 14 days, the topic's retention.
 */
export const REJECTED_EVENTS = relation('raw.rejected_events_r', [
  col('tenant_hk', 'bytea'),
  col('rejection_id', 'text'),
  col('customer_id', 'text'),
  col('load_date', 'timestamptz'),
  col('record_source', 'text'),
  col('kafka_topic', 'text'),
  col('kafka_partition', 'integer'),
  col('kafka_offset', 'bigint'),
  col('schema_id', 'integer'),
  col('source', 'text'),
  col('batch_id', 'text'),
  col('event_index', 'integer'),
  col('errors', 'jsonb'),
  col('payload', 'text'),
  col('payload_truncated', 'boolean'),
  col('ip_block', 'text'),
  col('key_id', 'text'),
  col('event_id', 'text'),
  col('visitor_hk', 'bytea'),
  col('user_hk', 'bytea'),
  col('session_hk', 'bytea'),
]);

/** How long rejected events are kept: as long as the topic keeps them (retention 14 days). */
export const REJECTED_EVENTS_RETENTION_DAYS = 14;

export const REJECTION_TABLES = [REJECTED_EVENTS] as const;
