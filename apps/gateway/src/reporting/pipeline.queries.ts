import { toNumber as n, type ReadQuery } from './tenant-reader';

export interface QualityMetrics {
  window_hours: number;
  events: number;
  valid: number;
  warning: number;
  invalid: number;
  average_quality_score: number | null;
  top_issues: Array<{ check: string; severity: string; events: number }>;
}

export interface RecentEvent {
  event_id: string;
  event_type: string;
  event_name: string | null;
  occurred_at: string;
  received_at: string;
  validation_status: string;
  quality_score: number;
}

const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : null);

/**
 * The layers load in one transaction per batch, so a record normally waits in Kafka (the loader's
 * lag), not between layers. These count what a failure could still leave behind in this tenant:
 * raw rows not processed, and validated staging rows of the last day without their event hub.
 */
export async function layerBacklog(query: ReadQuery, tenantHk: Buffer): Promise<{ staging_pending: number; business_pending: number }> {
  const [staging] = await query(`SELECT count(*) AS n FROM raw.site_tracking_events_r WHERE tenant_hk = $1 AND processing_status = 'PENDING'`, [tenantHk]);
  const [business] = await query(
    `SELECT count(*) AS n FROM staging.site_events s
      WHERE s.tenant_hk = $1 AND s.load_date >= now() - interval '1 day' AND s.validation_status <> 'INVALID'
        AND NOT EXISTS (SELECT 1 FROM business.site_event_h h WHERE h.tenant_hk = s.tenant_hk AND h.event_bk = s.event_id)`,
    [tenantHk],
  );
  return { staging_pending: n(staging?.['n']), business_pending: n(business?.['n']) };
}

/** When the loader last committed a batch (any tenant), and when this tenant's newest loaded event arrived. */
export async function lastProcessed(query: ReadQuery, tenantHk: Buffer): Promise<{ last_processed: string | null; latest_event_received_at: string | null }> {
  const [batch] = await query(`SELECT max(loaded_at) AS at FROM ops.load_batches`);
  const [event] = await query(`SELECT max(load_date) AS at FROM staging.site_events WHERE tenant_hk = $1`, [tenantHk]);
  return { last_processed: iso(batch?.['at']), latest_event_received_at: iso(event?.['at']) };
}

export async function recentEvents(query: ReadQuery, tenantHk: Buffer, limit = 10): Promise<RecentEvent[]> {
  const rows = await query(
    `SELECT event_id, event_type, event_name, occurred_at, load_date, validation_status, quality_score
       FROM staging.site_events WHERE tenant_hk = $1 ORDER BY load_date DESC, event_id DESC LIMIT ${limit}`,
    [tenantHk],
  );
  return rows.map((row) => ({
    event_id: String(row['event_id']),
    event_type: String(row['event_type']),
    event_name: (row['event_name'] as string | null) ?? null,
    occurred_at: iso(row['occurred_at']) ?? '',
    received_at: iso(row['load_date']) ?? '',
    validation_status: String(row['validation_status']),
    quality_score: n(row['quality_score']),
  }));
}

/** Quality of the events loaded (by arrival) in the last `hours`, from the staging layer's assessment. */
export async function qualityMetrics(query: ReadQuery, tenantHk: Buffer, hours: number): Promise<QualityMetrics> {
  const since = `now() - make_interval(hours => ${hours})`;
  const [counts] = await query(
    `SELECT count(*) AS events,
            count(*) FILTER (WHERE validation_status = 'VALID') AS valid,
            count(*) FILTER (WHERE validation_status = 'WARNING') AS warning,
            count(*) FILTER (WHERE validation_status = 'INVALID') AS invalid,
            round(avg(quality_score), 2) AS average
       FROM staging.site_events WHERE tenant_hk = $1 AND load_date >= ${since}`,
    [tenantHk],
  );
  const issues = await query(
    `SELECT check_name, severity, count(*) AS events FROM staging.data_quality_log
      WHERE tenant_hk = $1 AND load_date >= ${since} GROUP BY check_name, severity ORDER BY events DESC, check_name LIMIT 5`,
    [tenantHk],
  );
  return {
    window_hours: hours,
    events: n(counts?.['events']),
    valid: n(counts?.['valid']),
    warning: n(counts?.['warning']),
    invalid: n(counts?.['invalid']),
    average_quality_score: counts?.['average'] == null ? null : n(counts['average']),
    top_issues: issues.map((row) => ({ check: String(row['check_name']), severity: String(row['severity']), events: n(row['events']) })),
  };
}

export interface EventCounts {
  total: number;
  last_24_hours: number;
  last_7_days: number;
  by_type_last_7_days: Array<{ event_type: string; events: number }>;
}

/** Counts by when events happened (occurred_at), invalid ones included: they were received too. */
export async function eventCounts(query: ReadQuery, tenantHk: Buffer): Promise<EventCounts> {
  const [counts] = await query(
    `SELECT count(*) AS total,
            count(*) FILTER (WHERE occurred_at >= now() - interval '24 hours') AS day,
            count(*) FILTER (WHERE occurred_at >= now() - interval '7 days') AS week
       FROM staging.site_events WHERE tenant_hk = $1`,
    [tenantHk],
  );
  const types = await query(
    `SELECT event_type, count(*) AS events FROM staging.site_events
      WHERE tenant_hk = $1 AND occurred_at >= now() - interval '7 days' GROUP BY event_type ORDER BY events DESC, event_type`,
    [tenantHk],
  );
  return {
    total: n(counts?.['total']),
    last_24_hours: n(counts?.['day']),
    last_7_days: n(counts?.['week']),
    by_type_last_7_days: types.map((row) => ({ event_type: String(row['event_type']), events: n(row['events']) })),
  };
}

export interface ProcessingPerformance {
  window_minutes: number;
  batches: number;
  records: number;
  rows_inserted: number;
  dead_lettered: number;
  average_batch_ms: number | null;
  p95_batch_ms: number | null;
  records_per_second: number | null;
}

/** The loader's own batches (all tenants share them): how much it loaded lately and how fast. */
export async function processingPerformance(query: ReadQuery, minutes: number): Promise<ProcessingPerformance> {
  const [row] = await query(
    `SELECT count(*) AS batches, sum(records) AS records, sum(rows_inserted) AS rows_inserted, sum(dead_lettered) AS dead_lettered,
            avg(duration_ms) AS average, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95, sum(duration_ms) AS busy_ms
       FROM ops.load_batches WHERE loaded_at >= now() - make_interval(mins => ${minutes})`,
  );
  const busyMs = n(row?.['busy_ms']);
  const round = (value: unknown) => (value == null ? null : Math.round(n(value) * 10) / 10);
  return {
    window_minutes: minutes,
    batches: n(row?.['batches']),
    records: n(row?.['records']),
    rows_inserted: n(row?.['rows_inserted']),
    dead_lettered: n(row?.['dead_lettered']),
    average_batch_ms: round(row?.['average']),
    p95_batch_ms: round(row?.['p95']),
    records_per_second: busyMs > 0 ? Math.round((n(row?.['records']) / busyMs) * 1000) : null,
  };
}
