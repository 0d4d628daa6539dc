import { EVENTS_VIEW } from '@tracking/vault-schema';
import { filterClause, type AnalyticsFilters } from './analytics-filters';
import { toNumber as n, type ReadQuery } from './tenant-read.repository';

const e = EVENTS_VIEW.column;

/** Seed 002's dashboard rollups over the events view (validated events, one row each). */
export interface AnalyticsReport {
  totals: { events: number; page_views: number; unique_visitors: number; sessions: number };
  daily: Array<{ date: string; page_views: number; events: number; unique_visitors: number }>;
  top_pages: Array<{ page: string; page_views: number; unique_visitors: number }>;
  event_leaderboard: Array<{ event_type: string; event_name: string | null; events: number; unique_visitors: number }>;
  referrers: Array<{ referrer_domain: string; page_views: number; unique_visitors: number }>;
  utm: Record<'sources' | 'mediums' | 'campaigns', Array<{ value: string; events: number; sessions: number }>>;
  timeline: Array<{
    event_id: string;
    occurred_at: string;
    event_type: string;
    event_name: string | null;
    page_url: string | null;
    referrer_domain: string | null;
    session_id: string | null;
  }>;
}

export const TIMELINE_LENGTH = 25;

/** Columns of the CSV export, in order. */
export const EXPORT_COLUMNS = [
  e.event_id,
  e.occurred_at,
  e.event_type,
  e.event_name,
  e.page_url,
  e.referrer_domain,
  e.session_id,
  e.visitor_id,
  e.user_id,
  e.location_id,
  e.utm_source,
  e.utm_medium,
  e.utm_campaign,
  e.consent_state,
  e.source,
  e.validation_status,
  e.quality_score,
] as const;

const DAY_MS = 86_400_000;

export async function analyticsReport(query: ReadQuery, filters: AnalyticsFilters, tenantHk: Buffer): Promise<AnalyticsReport> {
  const { where, values } = filterClause(filters, tenantHk);
  const limit = `LIMIT ${filters.limit}`;
  const from = `FROM ${EVENTS_VIEW.table} WHERE ${where}`;
  const ranked = (column: string) =>
    query(`SELECT ${column} AS value, count(*) AS events, count(DISTINCT ${e.session_id}) AS sessions ${from} AND ${column} IS NOT NULL
            GROUP BY ${column} ORDER BY events DESC, value ${limit}`, values);

  const [totals] = await query(
    `SELECT count(*) AS events, count(*) FILTER (WHERE ${e.event_type} = 'page_view') AS page_views,
            count(DISTINCT ${e.visitor_id}) AS unique_visitors, count(DISTINCT ${e.session_id}) AS sessions ${from}`,
    values,
  );
  const daily = await query(
    `SELECT to_char(${e.occurred_at} AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, count(*) FILTER (WHERE ${e.event_type} = 'page_view') AS page_views,
            count(*) AS events, count(DISTINCT ${e.visitor_id}) AS unique_visitors ${from} GROUP BY 1`,
    values,
  );
  const pages = await query(
    `SELECT ${e.page}, count(*) AS page_views, count(DISTINCT ${e.visitor_id}) AS unique_visitors ${from} AND ${e.event_type} = 'page_view' AND ${e.page} IS NOT NULL
      GROUP BY ${e.page} ORDER BY page_views DESC, ${e.page} ${limit}`,
    values,
  );
  const leaderboard = await query(
    `SELECT ${e.event_type}, ${e.event_name}, count(*) AS events, count(DISTINCT ${e.visitor_id}) AS unique_visitors ${from} AND ${e.event_type} <> 'page_view'
      GROUP BY ${e.event_type}, ${e.event_name} ORDER BY events DESC, ${e.event_type}, ${e.event_name} NULLS LAST ${limit}`,
    values,
  );
  const referrers = await query(
    `SELECT ${e.referrer_domain}, count(*) AS page_views, count(DISTINCT ${e.visitor_id}) AS unique_visitors ${from}
        AND ${e.event_type} = 'page_view' AND ${e.referrer_domain} IS NOT NULL
      GROUP BY ${e.referrer_domain} ORDER BY page_views DESC, ${e.referrer_domain} ${limit}`,
    values,
  );
  const [sources, mediums, campaigns] = [await ranked(e.utm_source), await ranked(e.utm_medium), await ranked(e.utm_campaign)];
  const timeline = await query(
    `SELECT ${e.event_id}, ${e.occurred_at}, ${e.event_type}, ${e.event_name}, ${e.page_url}, ${e.referrer_domain}, ${e.session_id} ${from}
      ORDER BY ${e.occurred_at} DESC, ${e.event_id} DESC LIMIT ${TIMELINE_LENGTH}`,
    values,
  );

  const byDate = new Map(daily.map((row) => [String(row['date']), row]));
  const utm = (rows: typeof sources) => rows.map((row) => ({ value: String(row['value']), events: n(row['events']), sessions: n(row['sessions']) }));
  return {
    totals: { events: n(totals?.['events']), page_views: n(totals?.['page_views']), unique_visitors: n(totals?.['unique_visitors']), sessions: n(totals?.['sessions']) },
    // Every day of the window, days without events as zeros, so a chart needs no gap filling.
    daily: Array.from({ length: filters.windowDays }, (_, index) => {
      const date = new Date(filters.from.getTime() + index * DAY_MS).toISOString().slice(0, 10);
      const row = byDate.get(date);
      return { date, page_views: n(row?.['page_views']), events: n(row?.['events']), unique_visitors: n(row?.['unique_visitors']) };
    }),
    top_pages: pages.map((row) => ({ page: String(row[e.page]), page_views: n(row['page_views']), unique_visitors: n(row['unique_visitors']) })),
    event_leaderboard: leaderboard.map((row) => ({
      event_type: String(row[e.event_type]),
      event_name: (row[e.event_name] as string | null) ?? null,
      events: n(row['events']),
      unique_visitors: n(row['unique_visitors']),
    })),
    referrers: referrers.map((row) => ({ referrer_domain: String(row[e.referrer_domain]), page_views: n(row['page_views']), unique_visitors: n(row['unique_visitors']) })),
    utm: { sources: utm(sources), mediums: utm(mediums), campaigns: utm(campaigns) },
    timeline: timeline.map((row) => ({
      event_id: String(row[e.event_id]),
      occurred_at: (row[e.occurred_at] as Date).toISOString(),
      event_type: String(row[e.event_type]),
      event_name: (row[e.event_name] as string | null) ?? null,
      page_url: (row[e.page_url] as string | null) ?? null,
      referrer_domain: (row[e.referrer_domain] as string | null) ?? null,
      session_id: (row[e.session_id] as string | null) ?? null,
    })),
  };
}

/** The export's SELECT and parameters, oldest event first. */
export function exportQuery(filters: AnalyticsFilters, tenantHk: Buffer): { sql: string; values: unknown[] } {
  const { where, values } = filterClause(filters, tenantHk);
  return { sql: `SELECT ${EXPORT_COLUMNS.join(', ')} FROM ${EVENTS_VIEW.table} WHERE ${where} ORDER BY ${e.occurred_at}, ${e.event_id}`, values };
}
