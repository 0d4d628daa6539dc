import { DAILY_EVENTS, DAILY_SESSIONS, DAILY_VISITORS, EVENTS_VIEW } from '@tracking/vault-schema';
import { filterClause, rollupFilterClause, type AnalyticsFilters } from './analytics-filters';
import { toNumber as n, type ReadQuery } from './tenant-read.repository';

const e = EVENTS_VIEW.column;
const d = DAILY_EVENTS.column;

/** Seed 002's dashboard rollups, from the daily rollups (validated events); the timeline from the events view. */
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

/**
 * One ranking over the daily rollups: the top `limit` values of `key` by summed events, with each
 * value's distinct members (visitors or sessions) from the matching daily set.
 */
interface Ranking {
  /** Output columns and the expression over the rollup (alias r, or m in the member set) computing each; nullable ones match NULL to NULL. */
  key: ReadonlyArray<[name: string, expression: (alias: string) => string, nullable?: boolean]>;
  /** Extra condition on both rollups, e.g. page views only. */
  where: (alias: string) => string;
  members: { table: string; column: string };
  /** ORDER BY after the count, over the key's output names. */
  order: string;
}

export async function analyticsReport(query: ReadQuery, filters: AnalyticsFilters, tenantHk: Buffer): Promise<AnalyticsReport> {
  const limit = `LIMIT ${filters.limit}`;
  // Every query reads the rollups with the same filter; the member sets' alias is m, the counts' is r.
  const { where: r, values } = rollupFilterClause(filters, tenantHk, 'r');
  const { where: m } = rollupFilterClause(filters, tenantHk, 'm');
  const visitors = { table: DAILY_VISITORS.table, column: DAILY_VISITORS.column.visitor_id };
  const sessions = { table: DAILY_SESSIONS.table, column: DAILY_SESSIONS.column.session_id };
  const ranked = async ({ key, where, members, order }: Ranking) => {
    const names = key.map(([name]) => `top.${name}`).join(', ');
    // A join, not a subquery per value: the window's member rows are read once for all ranked values.
    const matches = key.map(([name, expression, nullable]) => `${expression('m')} ${nullable ? 'IS NOT DISTINCT FROM' : '='} top.${name}`).join(' AND ');
    return query(
      `WITH top AS (
         SELECT ${key.map(([name, expression]) => `${expression('r')} AS ${name}`).join(', ')}, sum(r.${d.events}) AS events
           FROM ${DAILY_EVENTS.table} r WHERE ${r} AND ${where('r')}
          GROUP BY ${key.map((_, index) => index + 1).join(', ')} ORDER BY events DESC, ${order} ${limit})
       SELECT ${names}, top.events, count(DISTINCT m.${members.column}) AS members
         FROM top LEFT JOIN ${members.table} m ON ${m} AND ${where('m')} AND ${matches}
        GROUP BY ${names}, top.events ORDER BY events DESC, ${order}`,
      values,
    );
  };
  const column = (name: string) => (alias: string) => `${alias}.${name}`;
  const utm = (name: string) =>
    ranked({ key: [['value', column(name)]], where: (a) => `${a}.${name} IS NOT NULL`, members: sessions, order: 'value' });

  const [counts] = await query(
    `SELECT sum(r.${d.events}) AS events, sum(r.${d.events}) FILTER (WHERE r.${d.event_type} = 'page_view') AS page_views FROM ${DAILY_EVENTS.table} r WHERE ${r}`,
    values,
  );
  const [visitorCount] = await query(`SELECT count(DISTINCT m.${visitors.column}) AS n FROM ${visitors.table} m WHERE ${m}`, values);
  const [sessionCount] = await query(`SELECT count(DISTINCT m.${sessions.column}) AS n FROM ${sessions.table} m WHERE ${m}`, values);
  const dailyCounts = await query(
    `SELECT to_char(r.${d.day}, 'YYYY-MM-DD') AS date, sum(r.${d.events}) FILTER (WHERE r.${d.event_type} = 'page_view') AS page_views, sum(r.${d.events}) AS events
       FROM ${DAILY_EVENTS.table} r WHERE ${r} GROUP BY 1`,
    values,
  );
  const dailyVisitors = await query(`SELECT to_char(m.${d.day}, 'YYYY-MM-DD') AS date, count(DISTINCT m.${visitors.column}) AS unique_visitors FROM ${visitors.table} m WHERE ${m} GROUP BY 1`, values);
  const pageView = (a: string) => `${a}.${d.event_type} = 'page_view'`;
  const pages = await ranked({
    key: [['page', (a) => `${a}.${d.page_host} || ${a}.${d.page_path}`]],
    where: (a) => `${pageView(a)} AND (${a}.${d.page_host} || ${a}.${d.page_path}) IS NOT NULL`,
    members: visitors,
    order: 'page',
  });
  const leaderboard = await ranked({
    key: [['event_type', column(d.event_type)], ['event_name', column(d.event_name), true]],
    where: (a) => `${a}.${d.event_type} <> 'page_view'`,
    members: visitors,
    order: 'event_type, event_name NULLS LAST',
  });
  const referrers = await ranked({
    key: [['referrer_domain', column(d.referrer_domain)]],
    where: (a) => `${pageView(a)} AND ${a}.${d.referrer_domain} IS NOT NULL`,
    members: visitors,
    order: 'referrer_domain',
  });
  const [sources, mediums, campaigns] = [await utm(d.utm_source), await utm(d.utm_medium), await utm(d.utm_campaign)];
  // The one per-event list: the newest events of the window, read backwards from the (tenant, occurred_at, event_id) index.
  const { where, values: eventValues } = filterClause(filters, tenantHk);
  const timeline = await query(
    `SELECT ${e.event_id}, ${e.occurred_at}, ${e.event_type}, ${e.event_name}, ${e.page_url}, ${e.referrer_domain}, ${e.session_id} FROM ${EVENTS_VIEW.table} WHERE ${where}
      ORDER BY ${e.occurred_at} DESC, ${e.event_id} DESC LIMIT ${TIMELINE_LENGTH}`,
    eventValues,
  );

  const countsByDate = new Map(dailyCounts.map((row) => [String(row['date']), row]));
  const visitorsByDate = new Map(dailyVisitors.map((row) => [String(row['date']), row['unique_visitors']]));
  const utmValues = (rows: typeof sources) => rows.map((row) => ({ value: String(row['value']), events: n(row['events']), sessions: n(row['members']) }));
  return {
    totals: { events: n(counts?.['events']), page_views: n(counts?.['page_views']), unique_visitors: n(visitorCount?.['n']), sessions: n(sessionCount?.['n']) },
    // Every day of the window, days without events as zeros, so a chart needs no gap filling.
    daily: Array.from({ length: filters.windowDays }, (_, index) => {
      const date = new Date(filters.from.getTime() + index * DAY_MS).toISOString().slice(0, 10);
      const row = countsByDate.get(date);
      return { date, page_views: n(row?.['page_views']), events: n(row?.['events']), unique_visitors: n(visitorsByDate.get(date)) };
    }),
    top_pages: pages.map((row) => ({ page: String(row['page']), page_views: n(row['events']), unique_visitors: n(row['members']) })),
    event_leaderboard: leaderboard.map((row) => ({
      event_type: String(row['event_type']),
      event_name: (row['event_name'] as string | null) ?? null,
      events: n(row['events']),
      unique_visitors: n(row['members']),
    })),
    referrers: referrers.map((row) => ({ referrer_domain: String(row['referrer_domain']), page_views: n(row['events']), unique_visitors: n(row['members']) })),
    utm: { sources: utmValues(sources), mediums: utmValues(mediums), campaigns: utmValues(campaigns) },
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
