/**
 * The Analytics page's calls: the read API's analytics routes (README "The read API"), which take
 * the console session like the /console/api routes. They live under /api/v1, not /console/api, so
 * they are called here rather than through api.ts's helpers; they are GETs (no CSRF token needed).
 */
import { ApiError } from '../api';

export type AnalyticsWindow = 7 | 30 | 90;
export const WINDOWS: readonly AnalyticsWindow[] = [7, 30, 90];

export interface AnalyticsReport {
  customer_id: string;
  window_days: number;
  from: string;
  to: string;
  totals: { events: number; page_views: number; unique_visitors: number; sessions: number };
  daily: Array<{ date: string; page_views: number; events: number; unique_visitors: number }>;
  top_pages: Array<{ page: string; page_views: number; unique_visitors: number }>;
  event_leaderboard: Array<{ event_type: string; event_name: string | null; events: number; unique_visitors: number }>;
  referrers: Array<{ referrer_domain: string; page_views: number; unique_visitors: number }>;
  utm: Record<'sources' | 'mediums' | 'campaigns', Array<{ value: string; events: number; sessions: number }>>;
}

export interface SiteFigures {
  site_id: string | null;
  events: number;
  page_views: number;
  unique_visitors: number;
  sessions: number;
}

export interface AnalyticsQuery {
  customerId?: string;
  window: AnalyticsWindow;
  siteId?: string;
}

const BASE = '/api/v1/tracking/analytics';

function address(path: string, query: AnalyticsQuery): string {
  const params = new URLSearchParams({ window: String(query.window) });
  if (query.customerId) params.set('customer_id', query.customerId);
  if (query.siteId) params.set('site_id', query.siteId);
  return `${BASE}${path}?${params.toString()}`;
}

async function read<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (!response.ok) {
    let message = `The gateway answered ${response.status}.`;
    try {
      const body = (await response.json()) as { error?: unknown };
      if (typeof body.error === 'string' && body.error) message = body.error;
    } catch {
      // Not JSON: the status says enough.
    }
    throw new ApiError(response.status, message);
  }
  return (await response.json()) as T;
}

export function analytics(query: AnalyticsQuery): Promise<AnalyticsReport> {
  return read<AnalyticsReport>(address('', query));
}

export async function sites(query: AnalyticsQuery): Promise<SiteFigures[]> {
  return (await read<{ sites?: SiteFigures[] }>(address('/sites', { ...query, siteId: undefined }))).sites ?? [];
}

/** The CSV export of the same window and site, for a download link. */
export function csvUrl(query: AnalyticsQuery): string {
  return address('/export', query);
}
