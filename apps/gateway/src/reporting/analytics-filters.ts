import type { FieldError } from '@tracking/ingestion';
import { ApiError } from '@tracking/http';
import { DAILY_EVENTS, EVENTS_VIEW } from '@tracking/vault-schema';

/** Seed 002: time series over 7, 30 or 90 days. */
export const WINDOWS = [7, 30, 90] as const;
export type WindowDays = (typeof WINDOWS)[number];

export interface AnalyticsFilters {
  windowDays: WindowDays;
  /** Start of the first UTC day of the window. */
  from: Date;
  /**
   * The last instant of today (UTC): the window is whole days, as the daily rollups count them, so an
   * event stamped later today (a client clock ahead) counts in the totals, the timeline and the export alike.
   */
  to: Date;
  /** Pages on this host (when the filter was a URL) whose path starts with `pathPrefix`. */
  pageHost?: string;
  pathPrefix?: string;
  eventName?: string;
  eventType?: string;
  /** Only events of this site (seed 004: the site_id the gateway gave the event, or the loader derived). */
  siteId?: string;
  /** Rows in each ranking (top pages, leaderboard, referrers, UTM values). */
  limit: number;
}

const DAY_MS = 86_400_000;

/** A text parameter of the query string, or undefined; a bad one is added to `errors`. */
function queryText(query: Record<string, unknown>, errors: FieldError[], field: string, max: number): string | undefined {
  const value = query[field];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') errors.push({ field, reason: 'must be given once' });
  else if (value.length > max) errors.push({ field, reason: `must be at most ${max} characters` });
  // PostgreSQL text cannot hold NUL: the query would fail as a fault of ours instead of a 400.
  else if (value.includes('\u0000')) errors.push({ field, reason: 'must not contain a NUL character' });
  else return value;
  return undefined;
}

/** Longest site id: a declared id (64) or a discovered one, a host name (253). */
const SITE_ID_MAX = 253;

/** `site_id` of the status and dashboard routes: undefined without one; a bad one is a 400. */
export function parseSiteFilter(query: Record<string, unknown>): string | undefined {
  const errors: FieldError[] = [];
  const siteId = queryText(query, errors, 'site_id', SITE_ID_MAX);
  if (errors.length > 0) throw ApiError.invalid(errors);
  return siteId;
}

/** Reads `window`, `url`, `event_name`, `event_type`, `site_id` and `limit`; every bad one is named in one 400. */
export function parseAnalyticsFilters(query: Record<string, unknown>, now = new Date()): AnalyticsFilters {
  const errors: FieldError[] = [];
  const text = (field: string, max: number): string | undefined => queryText(query, errors, field, max);

  const windowText = text('window', 4) ?? '30';
  const windowDays = WINDOWS.find((days) => windowText === String(days) || windowText === `${days}d`);
  if (!windowDays) errors.push({ field: 'window', reason: `must be one of ${WINDOWS.join(', ')} (days), e.g. window=7` });

  const limitText = text('limit', 3) ?? '10';
  const limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= 100)) errors.push({ field: 'limit', reason: 'must be a whole number from 1 to 100' });

  const page = parsePageFilter(text('url', 2048), errors);
  const eventName = text('event_name', 255);
  const eventType = text('event_type', 50);
  const siteId = text('site_id', SITE_ID_MAX);
  if (errors.length > 0) throw ApiError.invalid(errors);

  const days = windowDays ?? 30;
  const todayStart = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return { windowDays: days, from: new Date(todayStart - (days - 1) * DAY_MS), to: new Date(todayStart + DAY_MS - 1), ...page, eventName, eventType, ...(siteId === undefined ? {} : { siteId }), limit };
}

/** A full URL selects a host and a path prefix; `/path` selects a path prefix on any host. */
function parsePageFilter(value: string | undefined, errors: FieldError[]): Pick<AnalyticsFilters, 'pageHost' | 'pathPrefix'> {
  if (value === undefined) return {};
  if (value.startsWith('/')) return { pathPrefix: value };
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return { pageHost: url.hostname.toLowerCase(), pathPrefix: url.pathname === '/' ? undefined : url.pathname };
  } catch {
    errors.push({ field: 'url', reason: 'must be an http(s) URL or a path starting with "/"' });
    return {};
  }
}

/**
 * The WHERE clause every analytics query shares, over the events view, with its parameters
 * numbered from 1. LIKE metacharacters in the path are escaped: a filter is a prefix, not a pattern.
 */
export function filterClause(filters: AnalyticsFilters, tenantHk: Buffer): { where: string; values: unknown[] } {
  const e = EVENTS_VIEW.column;
  return withFilters(filters, [tenantHk, filters.from, filters.to], [`${e.tenant_hk} = $1`, `${e.occurred_at} >= $2`, `${e.occurred_at} <= $3`], '');
}

/**
 * The same filters over the daily rollups (whose rows carry the filtered columns), for the window's
 * days; `alias` qualifies the columns where a query reads two rollups. Parameters numbered from 1.
 */
export function rollupFilterClause(filters: AnalyticsFilters, tenantHk: Buffer, alias = ''): { where: string; values: unknown[] } {
  const day = (date: Date) => date.toISOString().slice(0, 10);
  const d = DAILY_EVENTS.column;
  const a = alias ? `${alias}.` : '';
  return withFilters(filters, [tenantHk, day(filters.from), day(filters.to)], [`${a}${d.tenant_hk} = $1`, `${a}${d.day} >= $2::date`, `${a}${d.day} <= $3::date`], a);
}

/** Column names as both the events view and the daily rollups spell them. */
function withFilters(filters: AnalyticsFilters, values: unknown[], conditions: string[], qualifier: string): { where: string; values: unknown[] } {
  const e = EVENTS_VIEW.column;
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    values.push(value);
    conditions.push(condition(`$${values.length}`));
  };
  if (filters.pageHost !== undefined) add((p) => `${qualifier}${e.page_host} = ${p}`, filters.pageHost);
  if (filters.pathPrefix !== undefined) add((p) => `${qualifier}${e.page_path} LIKE ${p} ESCAPE '\\'`, `${filters.pathPrefix.replace(/[\\%_]/g, '\\$&')}%`);
  if (filters.eventName !== undefined) add((p) => `${qualifier}${e.event_name} = ${p}`, filters.eventName);
  if (filters.eventType !== undefined) add((p) => `${qualifier}${e.event_type} = ${p}`, filters.eventType);
  if (filters.siteId !== undefined) add((p) => `${qualifier}${e.site_id} = ${p}`, filters.siteId);
  return { where: conditions.join(' AND '), values };
}
