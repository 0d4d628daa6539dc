import { DAILY_DIMENSION_SKETCHES, DAILY_DIMENSIONS, DAILY_EVENTS, DAILY_SESSION_SKETCHES, DAILY_VISITOR_SKETCHES, DistinctUnion, EVENTS_VIEW } from '@tracking/vault-schema';
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

/** A report's counts and distinct members, before the per-event timeline is added. */
interface Figures {
  totals: Row | undefined;
  daily: Row[];
  pages: Row[];
  leaderboard: Row[];
  referrers: Row[];
  utm: Record<'sources' | 'mediums' | 'campaigns', Row[]>;
  visitors: MemberCounts;
  sessions: MemberCounts;
}
type Row = Record<string, unknown>;

/** Filters the per-dimension rollups cannot answer: each needs an event's other dimensions (the full grain). */
export const needsFullGrain = (filters: AnalyticsFilters): boolean =>
  filters.pageHost !== undefined || filters.pathPrefix !== undefined || filters.eventName !== undefined || filters.eventType !== undefined;

const DD = DAILY_DIMENSIONS.column;
const DS = DAILY_DIMENSION_SKETCHES.column;

/**
 * The unfiltered (or site-filtered) report from the per-dimension daily rollups: a few rows per day and
 * value of each dimension, whatever the events. Distinct members are read only for the values the
 * rankings show (and the totals and days), so the sketches read are days × (1 + limit) per dimension at most.
 */
async function dimensionFigures(query: ReadQuery, filters: AnalyticsFilters, tenantHk: Buffer): Promise<Figures> {
  const limit = `LIMIT ${filters.limit}`;
  const { where: r, values } = rollupFilterClause(filters, tenantHk, 'r');
  const of = (dimension: string) => `FROM ${DAILY_DIMENSIONS.table} r WHERE ${r} AND r.${DD.dimension} = '${dimension}'`;
  const daily = await query(
    `SELECT to_char(r.${DD.day}, 'YYYY-MM-DD') AS date, sum(r.${DD.events}) FILTER (WHERE r.${DD.value_1} = 'page_view') AS page_views, sum(r.${DD.events}) AS events ${of('event')} GROUP BY 1`,
    values,
  );
  const sum = (column: string) => daily.reduce((total, row) => total + n(row[column]), 0);
  const pages = await query(`SELECT r.${DD.value_1} || r.${DD.value_2} AS page, sum(r.${DD.events}) AS events ${of('page')} GROUP BY 1 ORDER BY events DESC, page ${limit}`, values);
  const leaderboard = await query(
    `SELECT r.${DD.value_1} AS ${d.event_type}, r.${DD.value_2} AS ${d.event_name}, sum(r.${DD.events}) AS events ${of('event')} AND r.${DD.value_1} <> 'page_view'
      GROUP BY 1, 2 ORDER BY events DESC, 1, 2 NULLS LAST ${limit}`,
    values,
  );
  const ranked = (dimension: string) => query(`SELECT r.${DD.value_1} AS value, sum(r.${DD.events}) AS events ${of(dimension)} GROUP BY 1 ORDER BY events DESC, value ${limit}`, values);
  const referrers = (await ranked('referrer')).map((row) => ({ [d.referrer_domain]: row['value'], events: row['events'] }));
  const utm = { sources: await ranked('utm_source'), mediums: await ranked('utm_medium'), campaigns: await ranked('utm_campaign') };

  // The sketches of the window's totals and days, and of the values ranked above only.
  const { where: m } = rollupFilterClause(filters, tenantHk, 'm');
  const wanted: Array<[dimension: string, condition: string, values: unknown[]]> = [
    ['visitors_page', `m.${DS.value_1} || m.${DS.value_2}`, pages.map((row) => row['page'])],
    ['visitors_referrer', `m.${DS.value_1}`, referrers.map((row) => row[d.referrer_domain])],
    ['sessions_utm_source', `m.${DS.value_1}`, utm.sources.map((row) => row['value'])],
    ['sessions_utm_medium', `m.${DS.value_1}`, utm.mediums.map((row) => row['value'])],
    ['sessions_utm_campaign', `m.${DS.value_1}`, utm.campaigns.map((row) => row['value'])],
  ];
  const sketchValues = [...values];
  const conditions = [`m.${DS.dimension} IN ('visitors', 'sessions')`];
  for (const [dimension, expression, list] of wanted) {
    if (list.length === 0) continue;
    sketchValues.push(list.map(String));
    conditions.push(`(m.${DS.dimension} = '${dimension}' AND ${expression} = ANY($${sketchValues.length}::text[]))`);
  }
  if (leaderboard.length > 0) {
    // The leaderboard's (type, name) pairs exactly, a missing name included.
    sketchValues.push(leaderboard.map((row) => row[d.event_type]), leaderboard.map((row) => row[d.event_name] ?? null));
    const [types, names] = [sketchValues.length - 1, sketchValues.length];
    conditions.push(
      `(m.${DS.dimension} = 'visitors_event' AND EXISTS (SELECT 1 FROM unnest($${types}::text[], $${names}::text[]) AS w(t, n) WHERE w.t = m.${DS.value_1} AND w.n IS NOT DISTINCT FROM m.${DS.value_2}))`,
    );
  }
  const rows = await query(
    `SELECT m.${DS.dimension} AS dimension, m.${DS.value_1} AS v1, m.${DS.value_2} AS v2, to_char(m.${DS.day}, 'YYYY-MM-DD') AS day, m.${DS.members} AS sketch
       FROM ${DAILY_DIMENSION_SKETCHES.table} m WHERE ${m} AND (${conditions.join(' OR ')})`,
    sketchValues,
  );
  const visitors = new MemberUnions();
  const sessions = new MemberUnions();
  for (const row of rows) {
    const [v1, v2, sketch] = [row['v1'] ?? null, row['v2'] ?? null, row['sketch'] as Buffer];
    switch (row['dimension']) {
      case 'visitors':
        visitors.add('total', [], sketch);
        visitors.add('day', [row['day']], sketch);
        break;
      case 'visitors_page':
        visitors.add('page', [`${String(v1)}${String(v2)}`], sketch);
        break;
      case 'visitors_event':
        visitors.add('event', [v1, v2], sketch);
        break;
      case 'visitors_referrer':
        visitors.add('referrer', [v1], sketch);
        break;
      case 'sessions':
        sessions.add('total', [], sketch);
        break;
      default: {
        const utmDimension = UTM_SESSIONS[String(row['dimension'])];
        if (utmDimension) sessions.add(utmDimension, [v1], sketch);
      }
    }
  }
  return { totals: { events: sum('events'), page_views: sum('page_views') }, daily, pages, leaderboard, referrers, utm, visitors: visitors.counts(), sessions: sessions.counts() };
}

const UTM_SESSIONS: Record<string, string> = { sessions_utm_source: 'sources', sessions_utm_medium: 'mediums', sessions_utm_campaign: 'campaigns' };

/** Sketches merged per dimension and value, counted at the end. */
class MemberUnions {
  private readonly unions = new Map<string, Map<string, DistinctUnion>>();

  add(dimension: string, value: unknown[], sketch: Buffer): void {
    const byValue = this.unions.get(dimension) ?? new Map<string, DistinctUnion>();
    this.unions.set(dimension, byValue);
    const key = valueKey(...value);
    const union = byValue.get(key) ?? new DistinctUnion();
    byValue.set(key, union);
    union.add(sketch);
  }

  counts(): MemberCounts {
    return new Map([...this.unions].map(([dimension, byValue]) => [dimension, new Map([...byValue].map(([key, union]) => [key, union.count()]))]));
  }
}

/** The report from the full-grain daily rollup and sketches: what a url, event name or event type filter needs. */
async function fullGrainFigures(query: ReadQuery, filters: AnalyticsFilters, tenantHk: Buffer): Promise<Figures> {
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

  return { totals, daily, pages, leaderboard, referrers, utm: { sources, mediums, campaigns }, visitors, sessions };
}

export async function analyticsReport(query: ReadQuery, filters: AnalyticsFilters, tenantHk: Buffer): Promise<AnalyticsReport> {
  const { totals, daily, pages, leaderboard, referrers, utm, visitors, sessions } = needsFullGrain(filters)
    ? await fullGrainFigures(query, filters, tenantHk)
    : await dimensionFigures(query, filters, tenantHk);
  const members = (of: MemberCounts, dimension: string, ...value: unknown[]) => of.get(dimension)?.get(valueKey(...value)) ?? 0;

  // The one per-event list: the newest events of the window, read backwards from the (tenant, occurred_at, event_id) index.
  const { where, values: eventValues } = filterClause(filters, tenantHk);
  const timeline = await query(
    `SELECT ${e.event_id}, ${e.occurred_at}, ${e.event_type}, ${e.event_name}, ${e.page_url}, ${e.referrer_domain}, ${e.session_id} FROM ${EVENTS_VIEW.table} WHERE ${where}
      ORDER BY ${e.occurred_at} DESC, ${e.event_id} DESC LIMIT ${TIMELINE_LENGTH}`,
    eventValues,
  );

  const countsByDate = new Map(daily.map((row) => [String(row['date']), row]));
  const utmValues = (dimension: keyof typeof utm, rows: Row[]) =>
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
    utm: { sources: utmValues('sources', utm.sources), mediums: utmValues('mediums', utm.mediums), campaigns: utmValues('campaigns', utm.campaigns) },
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
  if (!needsFullGrain(filters)) {
    // Per-dimension rollups: the 'event' dimension's counts and the 'visitors' and 'sessions' sketches, per site.
    const rows = await query(
      `SELECT r.${DD.site_id}, sum(r.${DD.events}) AS events, sum(r.${DD.events}) FILTER (WHERE r.${DD.value_1} = 'page_view') AS page_views
         FROM ${DAILY_DIMENSIONS.table} r WHERE ${r} AND r.${DD.dimension} = 'event' GROUP BY 1 ORDER BY events DESC, 1 NULLS LAST`,
      values,
    );
    const sketches = await query(
      `SELECT m.${DS.dimension} AS dimension, m.${DS.site_id} AS site, m.${DS.members} AS sketch FROM ${DAILY_DIMENSION_SKETCHES.table} m WHERE ${m} AND m.${DS.dimension} IN ('visitors', 'sessions')`,
      values,
    );
    const members = new MemberUnions();
    for (const row of sketches) members.add(String(row['dimension']), [row['site'] ?? ''], row['sketch'] as Buffer);
    const counts = members.counts();
    const count = (dimension: string, site: string | null) => counts.get(dimension)?.get(valueKey(site ?? '')) ?? 0;
    return rows.map((row) => {
      const site = (row[d.site_id] as string | null) ?? null;
      return { site_id: site, events: n(row['events']), page_views: n(row['page_views']), unique_visitors: count('visitors', site), sessions: count('sessions', site) };
    });
  }
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
