import { DAILY_EVENTS, DAILY_SESSION_SKETCHES, DAILY_VISITOR_SKETCHES, DistinctUnion, EVENTS_VIEW } from '@tracking/vault-schema';
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

/** Distinct members (visitors or sessions) per value of each dimension: `dimension` → value key → count. */
type MemberCounts = Map<string, Map<string, number>>;

/** A dimension's value as a map key; JSON keeps a missing event name apart from an empty one. */
const valueKey = (...parts: unknown[]): string => JSON.stringify(parts);

/**
 * Every distinct count of the report from the window's daily sketches (one per day and grain, see
 * libs/vault-schema distinct-sketch.ts): read once, merged here per value of each dimension, so the
 * cost is the window's days × grains whatever the events. `dimensions` maps each dimension's name to
 * its grouping columns, expressions over the sketch table's alias m; a value whose first column is
 * NULL is not of that dimension (e.g. a custom event in the pages dimension); `total` takes no columns.
 */
async function countMembers(
  query: ReadQuery,
  from: { table: string; where: string; values: unknown[] },
  sketch: string,
  dimensions: Record<string, readonly string[]>,
): Promise<MemberCounts> {
  const columns = Object.values(dimensions).flat();
  let position = 0;
  const sets = Object.entries(dimensions).map(([dimension, expressions]) => ({ dimension, own: expressions.map(() => `k${position++}`) }));
  const rows = await query(
    `SELECT ${[...columns.map((expression, index) => `${expression} AS k${index}`), `m.${sketch} AS sketch`].join(', ')} FROM ${from.table} m WHERE ${from.where}`,
    from.values,
  );
  const unions = new Map(sets.map(({ dimension }) => [dimension, new Map<string, DistinctUnion>()]));
  for (const row of rows) {
    for (const { dimension, own } of sets) {
      if (own.length > 0 && row[own[0] ?? ''] == null) continue;
      const key = valueKey(...own.map((name) => row[name] ?? null));
      const byValue = unions.get(dimension) ?? new Map<string, DistinctUnion>();
      const union = byValue.get(key) ?? new DistinctUnion();
      byValue.set(key, union);
      union.add(row['sketch'] as Buffer);
    }
  }
  return new Map([...unions].map(([dimension, byValue]) => [dimension, new Map([...byValue].map(([key, union]) => [key, union.count()]))]));
}

export async function analyticsReport(query: ReadQuery, filters: AnalyticsFilters, tenantHk: Buffer): Promise<AnalyticsReport> {
  const limit = `LIMIT ${filters.limit}`;
  const { where: r, values } = rollupFilterClause(filters, tenantHk, 'r');
  const { where: m } = rollupFilterClause(filters, tenantHk, 'm');
  const counts = `FROM ${DAILY_EVENTS.table} r WHERE ${r}`;
  const pageView = (a: string) => `${a}.${d.event_type} = 'page_view'`;
  const page = (a: string) => `${a}.${d.page_host} || ${a}.${d.page_path}`;

  // Counts: sums over the daily event rollup, rankings cut to `limit` in the database.
  const [totals] = await query(`SELECT sum(r.${d.events}) AS events, sum(r.${d.events}) FILTER (WHERE ${pageView('r')}) AS page_views ${counts}`, values);
  const daily = await query(
    `SELECT to_char(r.${d.day}, 'YYYY-MM-DD') AS date, sum(r.${d.events}) FILTER (WHERE ${pageView('r')}) AS page_views, sum(r.${d.events}) AS events ${counts} GROUP BY 1`,
    values,
  );
  const pages = await query(
    `SELECT ${page('r')} AS page, sum(r.${d.events}) AS events ${counts} AND ${pageView('r')} AND (${page('r')}) IS NOT NULL GROUP BY 1 ORDER BY events DESC, page ${limit}`,
    values,
  );
  const leaderboard = await query(
    `SELECT r.${d.event_type}, r.${d.event_name}, sum(r.${d.events}) AS events ${counts} AND r.${d.event_type} <> 'page_view'
      GROUP BY 1, 2 ORDER BY events DESC, ${d.event_type}, ${d.event_name} NULLS LAST ${limit}`,
    values,
  );
  const referrers = await query(
    `SELECT r.${d.referrer_domain}, sum(r.${d.events}) AS events ${counts} AND ${pageView('r')} AND r.${d.referrer_domain} IS NOT NULL
      GROUP BY 1 ORDER BY events DESC, ${d.referrer_domain} ${limit}`,
    values,
  );
  const utmColumns = { sources: d.utm_source, mediums: d.utm_medium, campaigns: d.utm_campaign } as const;
  const utmCounts = async (column: string) =>
    query(`SELECT r.${column} AS value, sum(r.${d.events}) AS events ${counts} AND r.${column} IS NOT NULL GROUP BY 1 ORDER BY events DESC, value ${limit}`, values);
  const [sources, mediums, campaigns] = [await utmCounts(utmColumns.sources), await utmCounts(utmColumns.mediums), await utmCounts(utmColumns.campaigns)];

  // Distinct visitors and sessions: one read of each day's sketches, merged per dimension.
  const onlyIf = (condition: string, expression: string) => `CASE WHEN ${condition} THEN ${expression} END`;
  const visitors = await countMembers(query, { table: DAILY_VISITOR_SKETCHES.table, where: m, values }, DAILY_VISITOR_SKETCHES.column.visitors, {
    total: [],
    day: [`to_char(m.${d.day}, 'YYYY-MM-DD')`],
    page: [onlyIf(pageView('m'), page('m'))],
    event: [onlyIf(`m.${d.event_type} <> 'page_view'`, `m.${d.event_type}`), onlyIf(`m.${d.event_type} <> 'page_view'`, `m.${d.event_name}`)],
    referrer: [onlyIf(pageView('m'), `m.${d.referrer_domain}`)],
  });
  const sessions = await countMembers(query, { table: DAILY_SESSION_SKETCHES.table, where: m, values }, DAILY_SESSION_SKETCHES.column.sessions, {
    total: [],
    sources: [`m.${utmColumns.sources}`],
    mediums: [`m.${utmColumns.mediums}`],
    campaigns: [`m.${utmColumns.campaigns}`],
  });
  const members = (of: MemberCounts, dimension: string, ...value: unknown[]) => of.get(dimension)?.get(valueKey(...value)) ?? 0;

  // The one per-event list: the newest events of the window, read backwards from the (tenant, occurred_at, event_id) index.
  const { where, values: eventValues } = filterClause(filters, tenantHk);
  const timeline = await query(
    `SELECT ${e.event_id}, ${e.occurred_at}, ${e.event_type}, ${e.event_name}, ${e.page_url}, ${e.referrer_domain}, ${e.session_id} FROM ${EVENTS_VIEW.table} WHERE ${where}
      ORDER BY ${e.occurred_at} DESC, ${e.event_id} DESC LIMIT ${TIMELINE_LENGTH}`,
    eventValues,
  );

  const countsByDate = new Map(daily.map((row) => [String(row['date']), row]));
  const utmValues = (dimension: keyof typeof utmColumns, rows: typeof sources) =>
    rows.map((row) => ({ value: String(row['value']), events: n(row['events']), sessions: members(sessions, dimension, row['value']) }));
  return {
    totals: { events: n(totals?.['events']), page_views: n(totals?.['page_views']), unique_visitors: members(visitors, 'total'), sessions: members(sessions, 'total') },
    // Every day of the window, days without events as zeros, so a chart needs no gap filling.
    daily: Array.from({ length: filters.windowDays }, (_, index) => {
      const date = new Date(filters.from.getTime() + index * DAY_MS).toISOString().slice(0, 10);
      const row = countsByDate.get(date);
      return { date, page_views: n(row?.['page_views']), events: n(row?.['events']), unique_visitors: members(visitors, 'day', date) };
    }),
    top_pages: pages.map((row) => ({ page: String(row['page']), page_views: n(row['events']), unique_visitors: members(visitors, 'page', row['page']) })),
    event_leaderboard: leaderboard.map((row) => ({
      event_type: String(row[d.event_type]),
      event_name: (row[d.event_name] as string | null) ?? null,
      events: n(row['events']),
      unique_visitors: members(visitors, 'event', row[d.event_type], row[d.event_name] ?? null),
    })),
    referrers: referrers.map((row) => ({
      referrer_domain: String(row[d.referrer_domain]),
      page_views: n(row['events']),
      unique_visitors: members(visitors, 'referrer', row[d.referrer_domain]),
    })),
    utm: { sources: utmValues('sources', sources), mediums: utmValues('mediums', mediums), campaigns: utmValues('campaigns', campaigns) },
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

/** One site's figures over the window (site_id null: events without a site, or loaded before sites existed). */
export interface SiteFigures {
  site_id: string | null;
  events: number;
  page_views: number;
  unique_visitors: number;
  sessions: number;
}

/** A site's key in the member counts: '' stands for no site (a site id is never empty). */
const siteKey = (a: string) => `coalesce(${a}.${d.site_id}, '')`;

/**
 * The window's figures per site, most events first, from the same daily rollups as the report (whose
 * grain includes the site), with the same filters; distinct visitors and sessions per site from the daily sketches.
 */
export async function sitesReport(query: ReadQuery, filters: AnalyticsFilters, tenantHk: Buffer): Promise<SiteFigures[]> {
  const { where: r, values } = rollupFilterClause(filters, tenantHk, 'r');
  const { where: m } = rollupFilterClause(filters, tenantHk, 'm');
  const rows = await query(
    `SELECT r.${d.site_id}, sum(r.${d.events}) AS events, sum(r.${d.events}) FILTER (WHERE r.${d.event_type} = 'page_view') AS page_views
       FROM ${DAILY_EVENTS.table} r WHERE ${r} GROUP BY 1 ORDER BY events DESC, 1 NULLS LAST`,
    values,
  );
  const visitors = await countMembers(query, { table: DAILY_VISITOR_SKETCHES.table, where: m, values }, DAILY_VISITOR_SKETCHES.column.visitors, { site: [siteKey('m')] });
  const sessions = await countMembers(query, { table: DAILY_SESSION_SKETCHES.table, where: m, values }, DAILY_SESSION_SKETCHES.column.sessions, { site: [siteKey('m')] });
  const members = (of: MemberCounts, site: string | null) => of.get('site')?.get(valueKey(site ?? '')) ?? 0;
  return rows.map((row) => {
    const site = (row[d.site_id] as string | null) ?? null;
    return { site_id: site, events: n(row['events']), page_views: n(row['page_views']), unique_visitors: members(visitors, site), sessions: members(sessions, site) };
  });
}

/** The export's SELECT and parameters, oldest event first. */
export function exportQuery(filters: AnalyticsFilters, tenantHk: Buffer): { sql: string; values: unknown[] } {
  const { where, values } = filterClause(filters, tenantHk);
  return { sql: `SELECT ${EXPORT_COLUMNS.join(', ')} FROM ${EVENTS_VIEW.table} WHERE ${where} ORDER BY ${e.occurred_at}, ${e.event_id}`, values };
}
