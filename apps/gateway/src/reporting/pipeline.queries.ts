import { HOURLY_EVENTS, HOURLY_ISSUES, HOURLY_QUALITY, HUBS, LOAD_BATCHES, QUALITY_LOG, RAW_EVENTS, STAGED_EVENTS } from '@tracking/vault-schema';
import { toNumber as n, type ReadQuery } from './tenant-read.repository';

// The loader's tables, by the names its schema lib declares (checked against its migrations).
const raw = RAW_EVENTS.column;
const staged = STAGED_EVENTS.column;
const eventHub = HUBS.event.column;
const quality = QUALITY_LOG.column;
const batches = LOAD_BATCHES.column;
const he = HOURLY_EVENTS.column;
const hq = HOURLY_QUALITY.column;
const hi = HOURLY_ISSUES.column;

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
 * A query's tenant parameter ($1) and, with a site filter, the site ($2) with its condition on any
 * table with a site_id column (staging, quality log, rollups). Without one, the SQL is what it was
 * before sites.
 */
function scope(tenantHk: Buffer, siteId: string | undefined): { values: unknown[]; site: string } {
  return siteId === undefined ? { values: [tenantHk], site: '' } : { values: [tenantHk, siteId], site: ` AND ${staged.site_id} = $2` };
}

/**
 * The layers load in one transaction per batch, so a record normally waits in Kafka (the loader's
 * lag), not between layers. These count what a failure could still leave behind in this tenant:
 * raw rows not processed, and validated staging rows of the last day without their event hub.
 * OFFSET 0 keeps the hub lookup a probe per recent row: as an anti-join the planner merged the
 * tenant's whole event hub (every event it ever loaded) against the day's rows.
 */
export async function layerBacklog(query: ReadQuery, tenantHk: Buffer): Promise<{ staging_pending: number; business_pending: number }> {
  const [staging] = await query(
    `SELECT count(*) AS n FROM ${RAW_EVENTS.table} WHERE ${raw.tenant_hk} = $1 AND ${raw.processing_status} = 'PENDING'`,
    [tenantHk],
  );
  const [business] = await query(
    `SELECT count(*) AS n FROM ${STAGED_EVENTS.table} s
      WHERE s.${staged.tenant_hk} = $1 AND s.${staged.load_date} >= now() - interval '1 day' AND s.${staged.validation_status} <> 'INVALID'
        AND NOT EXISTS (SELECT 1 FROM ${HUBS.event.table} h WHERE h.${eventHub.tenant_hk} = s.${staged.tenant_hk} AND h.${eventHub.event_bk} = s.${staged.event_id} OFFSET 0)`,
    [tenantHk],
  );
  return { staging_pending: n(staging?.['n']), business_pending: n(business?.['n']) };
}

/** When the loader last committed a batch (any tenant), and when this tenant's newest loaded event arrived. */
export async function lastProcessed(
  query: ReadQuery,
  tenantHk: Buffer,
  siteId?: string,
): Promise<{ last_processed: string | null; latest_event_received_at: string | null }> {
  const { values, site } = scope(tenantHk, siteId);
  const [batch] = await query(`SELECT max(${batches.loaded_at}) AS at FROM ${LOAD_BATCHES.table}`);
  const [event] = await query(`SELECT max(${staged.load_date}) AS at FROM ${STAGED_EVENTS.table} WHERE ${staged.tenant_hk} = $1${site}`, values);
  return { last_processed: iso(batch?.['at']), latest_event_received_at: iso(event?.['at']) };
}

export async function recentEvents(query: ReadQuery, tenantHk: Buffer, limit = 10, siteId?: string): Promise<RecentEvent[]> {
  const { values, site } = scope(tenantHk, siteId);
  const rows = await query(
    `SELECT ${staged.event_id}, ${staged.event_type}, ${staged.event_name}, ${staged.occurred_at}, ${staged.load_date}, ${staged.validation_status}, ${staged.quality_score}
       FROM ${STAGED_EVENTS.table} WHERE ${staged.tenant_hk} = $1${site} ORDER BY ${staged.load_date} DESC, ${staged.event_id} DESC LIMIT ${limit}`,
    values,
  );
  return rows.map((row) => ({
    event_id: String(row[staged.event_id]),
    event_type: String(row[staged.event_type]),
    event_name: (row[staged.event_name] as string | null) ?? null,
    occurred_at: iso(row[staged.occurred_at]) ?? '',
    received_at: iso(row[staged.load_date]) ?? '',
    validation_status: String(row[staged.validation_status]),
    quality_score: n(row[staged.quality_score]),
  }));
}

/**
 * A sliding window (`since` to now) over an hourly rollup: the whole hours after the one `since` falls
 * in from the rollup, the rest of that hour from the per-event table (an index range of under an
 * hour), so the figure is exact and costs the same whatever the tenant's history. `rollupRows` and
 * `eventRows` select the same columns; the hour arithmetic is UTC, as the rollups'.
 */
function sliding(since: string, rollupRows: (after: string) => string, eventRows: (from: string, until: string) => string): string {
  const boundary = `date_trunc('hour', ${since}, 'UTC')`;
  return `(${rollupRows(`> ${boundary}`)} UNION ALL ${eventRows(`>= ${since}`, `< ${boundary} + interval '1 hour'`)}) AS windowed`;
}

/** Quality of the events loaded (by arrival) in the last `hours`, from the staging layer's assessment (its hourly rollups). */
export async function qualityMetrics(query: ReadQuery, tenantHk: Buffer, hours: number, siteId?: string): Promise<QualityMetrics> {
  const since = `now() - make_interval(hours => ${hours})`;
  const { values, site } = scope(tenantHk, siteId);
  const statuses = sliding(
    since,
    (after) => `SELECT ${hq.validation_status}, ${hq.events} AS n, ${hq.quality_score_sum} AS score FROM ${HOURLY_QUALITY.table} WHERE ${hq.tenant_hk} = $1${site} AND ${hq.hour} ${after}`,
    (from, until) =>
      `SELECT ${staged.validation_status}, 1, ${staged.quality_score} FROM ${STAGED_EVENTS.table} WHERE ${staged.tenant_hk} = $1${site} AND ${staged.load_date} ${from} AND ${staged.load_date} ${until}`,
  );
  const [counts] = await query(
    `SELECT sum(n) AS events,
            sum(n) FILTER (WHERE ${staged.validation_status} = 'VALID') AS valid,
            sum(n) FILTER (WHERE ${staged.validation_status} = 'WARNING') AS warning,
            sum(n) FILTER (WHERE ${staged.validation_status} = 'INVALID') AS invalid,
            round(sum(score) / nullif(sum(n), 0), 2) AS average
       FROM ${statuses}`,
    values,
  );
  const findings = sliding(
    since,
    (after) => `SELECT ${hi.check_name}, ${hi.severity}, ${hi.events} AS n FROM ${HOURLY_ISSUES.table} WHERE ${hi.tenant_hk} = $1${site} AND ${hi.hour} ${after}`,
    (from, until) =>
      `SELECT ${quality.check_name}, ${quality.severity}, 1 FROM ${QUALITY_LOG.table} WHERE ${quality.tenant_hk} = $1${site} AND ${quality.load_date} ${from} AND ${quality.load_date} ${until}`,
  );
  const issues = await query(
    `SELECT ${quality.check_name}, ${quality.severity}, sum(n) AS events FROM ${findings}
      GROUP BY ${quality.check_name}, ${quality.severity} ORDER BY events DESC, ${quality.check_name} LIMIT 5`,
    values,
  );
  return {
    window_hours: hours,
    events: n(counts?.['events']),
    valid: n(counts?.['valid']),
    warning: n(counts?.['warning']),
    invalid: n(counts?.['invalid']),
    average_quality_score: counts?.['average'] == null ? null : n(counts['average']),
    top_issues: issues.map((row) => ({ check: String(row[quality.check_name]), severity: String(row[quality.severity]), events: n(row['events']) })),
  };
}

export interface EventCounts {
  total: number;
  last_24_hours: number;
  last_7_days: number;
  by_type_last_7_days: Array<{ event_type: string; events: number }>;
}

/** Counts by when events happened (occurred_at), invalid ones included: they were received too. From the hourly rollup. */
export async function eventCounts(query: ReadQuery, tenantHk: Buffer, siteId?: string): Promise<EventCounts> {
  const { values, site } = scope(tenantHk, siteId);
  const window = (since: string) =>
    sliding(
      since,
      (after) => `SELECT ${he.event_type}, ${he.events} AS n FROM ${HOURLY_EVENTS.table} WHERE ${he.tenant_hk} = $1${site} AND ${he.hour} ${after}`,
      (from, until) => `SELECT ${staged.event_type}, 1 FROM ${STAGED_EVENTS.table} WHERE ${staged.tenant_hk} = $1${site} AND ${staged.occurred_at} ${from} AND ${staged.occurred_at} ${until}`,
    );
  const [counts] = await query(
    `SELECT (SELECT sum(${he.events}) FROM ${HOURLY_EVENTS.table} WHERE ${he.tenant_hk} = $1${site}) AS total,
            (SELECT sum(n) FROM ${window(`now() - interval '24 hours'`)}) AS day,
            (SELECT sum(n) FROM ${window(`now() - interval '7 days'`)}) AS week`,
    values,
  );
  const types = await query(
    `SELECT ${he.event_type}, sum(n) AS events FROM ${window(`now() - interval '7 days'`)}
      GROUP BY ${he.event_type} ORDER BY events DESC, ${he.event_type}`,
    values,
  );
  return {
    total: n(counts?.['total']),
    last_24_hours: n(counts?.['day']),
    last_7_days: n(counts?.['week']),
    by_type_last_7_days: types.map((row) => ({ event_type: String(row[he.event_type]), events: n(row['events']) })),
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
    `SELECT count(*) AS batches, sum(${batches.records}) AS records, sum(${batches.rows_inserted}) AS rows_inserted,
            sum(${batches.dead_lettered}) AS dead_lettered, avg(${batches.duration_ms}) AS average,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY ${batches.duration_ms}) AS p95, sum(${batches.duration_ms}) AS busy_ms
       FROM ${LOAD_BATCHES.table} WHERE ${batches.loaded_at} >= now() - make_interval(mins => ${minutes})`,
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
