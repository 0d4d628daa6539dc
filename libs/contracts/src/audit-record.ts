/** Mirrors schemas/avro/audit-record.v1.avsc. */
export interface AuditRecord {
  audit_id: string;
  occurred_at: number;
  customer_id: string | null;
  endpoint: string;
  status_code: number;
  outcome: AuditOutcome;
  error_code: string | null;
  latency_ms: number;
  ip_block: string | null;
  security_score: number | null;
  suspicious: boolean;
  key_id: string | null;
  events_received: number;
  events_accepted: number;
  events_rejected: number;
  events_dropped: number;
  abuse_kind: AbuseKind | null;
  abuse_customer_id: string | null;
  /** The fields below were added for the read audit and abuse summaries (issues 20 and 23); null in older records. */
  service: AuditService | null;
  actor: string | null;
  request_params: string | null;
  rows_returned: number | null;
  abuse_count: number | null;
  abuse_window_start: number | null;
  abuse_networks: number | null;
}

export const AUDIT_SERVICES = ['gateway', 'vault-loader', 'exporter', 'automation-trigger'] as const;
export type AuditService = (typeof AUDIT_SERVICES)[number];

/** Who asked, by role (never the credential): see the schema's doc of `actor`. */
export type AuditActor = 'customer_token' | 'publishable_key' | 'operator' | 'anonymous';

/** The new optional fields at their defaults, for records that set none of them. */
export const AUDIT_RECORD_EXTENSIONS_UNSET = {
  service: null,
  actor: null,
  request_params: null,
  rows_returned: null,
  abuse_count: null,
  abuse_window_start: null,
  abuse_networks: null,
} as const satisfies Partial<AuditRecord>;

/**
 * Refusals that look like an attack on a customer rather than a mistake (seed 002's
 * TrackingAbuseEvent): a wrong secret or publishable key for a configured customer, another
 * customer's valid token, a browser origin the customer does not allow, a rate limit hit.
 */
export const ABUSE_KINDS = ['invalid_credentials', 'cross_tenant_token', 'origin_mismatch', 'rate_limited'] as const;
export type AbuseKind = (typeof ABUSE_KINDS)[number];

export const AUDIT_RECORD_SCHEMA_FILE = 'audit-record.v1.avsc';

/**
 * The endpoint of an audit record no request caused: the gateway's periodic measurement of a
 * customer's storage against technical.storage_quota_gb (outcome quota_warning or quota_exceeded).
 */
export const STORAGE_QUOTA_AUDIT_ENDPOINT = 'MEASURE storage_quota_gb';

export type AuditOutcome =
  | 'accepted'
  | 'partially_accepted'
  | 'dropped'
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'unavailable'
  | 'error'
  /** Not a request: the gateway's storage measurement found the customer past 80 % of storage_quota_gb (error_code STORAGE_QUOTA_80). */
  | 'quota_warning'
  /** ... past 100 % (STORAGE_QUOTA_100); events are still accepted. */
  | 'quota_exceeded';
