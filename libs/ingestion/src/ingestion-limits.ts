/** Limits on one event; the gateway's config sets them, the seeds give the defaults. */
export interface IngestionLimits {
  /** Serialized event_data, bytes (seed 002: 16 KB; TRACKING_MAX_PROPERTIES_BYTES). */
  maxPropertiesBytes: number;
  /** How far in the past occurred_at may lie. */
  maxEventAgeMs: number;
  /** How far in the future occurred_at may lie (client clocks run fast). */
  maxClockSkewMs: number;
  /** Nesting depth of event_data. */
  maxDepth: number;
}

export const DEFAULT_INGESTION_LIMITS: IngestionLimits = {
  maxPropertiesBytes: 16 * 1024,
  maxEventAgeMs: 7 * 24 * 60 * 60 * 1000,
  maxClockSkewMs: 5 * 60 * 1000,
  maxDepth: 10,
};
