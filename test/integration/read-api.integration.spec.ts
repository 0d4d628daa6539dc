import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, tenantHashKey } from '@tracking/contracts';
import { startGateway, startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PATHS = ['/', '/pricing', '/docs/start', '/docs/api', '/blog/a', '/blog/b'];

interface SentEvent {
  event_type: string;
  event_name: string;
  page_url?: string;
  referrer?: string;
  session_id: string;
  visitor_id?: string;
  occurred_at: string;
  consent_state: 'granted';
}

/**
 * Events spread over 80 days: page views on six pages, custom events, two referrers, two UTM
 * campaigns, visitors across sessions. The expected figures below are computed from this list
 * alone, not from the database.
 */
function dataset(customer: TestCustomer, now: number): SentEvent[] {
  return Array.from({ length: 240 }, (_, i) => {
    const pageView = i % 5 < 3;
    const utm = i % 6 === 0 ? '?utm_source=newsletter&utm_medium=email&utm_campaign=launch' : i % 6 === 3 ? '?utm_source=google&utm_medium=cpc' : '';
    const path = PATHS[(i * 7) % PATHS.length] ?? '/';
    return {
      event_type: pageView ? 'page_view' : i % 5 === 3 ? 'feature_usage' : 'form_submission',
      event_name: pageView ? (i === 2 ? 'Pricing, "plans"' : `Title ${path}`) : i % 5 === 3 ? (i % 2 === 0 ? 'export_clicked' : '=cmd|calc') : 'contact',
      page_url: `${customer.origin}${path}${utm}`,
      referrer: i % 4 === 0 ? 'https://www.google.com/search' : i % 4 === 1 ? 'https://news.ycombinator.com/item' : undefined,
      session_id: `s-${Math.floor(i / 3)}`,
      visitor_id: i % 10 === 9 ? undefined : `v-${i % 15}`,
      occurred_at: new Date(now - i * 8 * HOUR - 7 * 60_000).toISOString(),
      consent_state: 'granted',
    };
  });
}

const hostPath = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.hostname}${parsed.pathname}`;
};
const countBy = <T,>(items: T[], key: (item: T) => string | undefined): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const value = key(item);
    if (value !== undefined) counts[value] = (counts[value] ?? 0) + 1;
  }
  return counts;
};
const distinct = (values: Array<string | undefined>) => new Set(values.filter((value) => value !== undefined)).size;
const toRecord = <T extends Record<string, unknown>>(rows: T[], key: keyof T, value: keyof T) => Object.fromEntries(rows.map((row) => [row[key], row[value]]));

/** RFC 4180, enough for the test: quoted fields with doubled quotes and embedded line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') endField();
    else if (char === '\r' && text[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else field += char;
  }
  return rows;
}

describe('the read API (status, dashboard, analytics, export) over the vault', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const groupId = `it-read-api-${randomUUID()}`;
  const now = Date.now();
  let gateway: RunningService;
  let loader: RunningService;
  let db: Pool;
  let customer: TestCustomer;
  let other: TestCustomer;
  let sent: SentEvent[];

  const get = (path: string, who: TestCustomer = customer) =>
    fetch(`${gateway.url}${path}`, { headers: { 'X-Customer-ID': who.id, Authorization: `Bearer ${who.token}` } });
  const json = async (path: string, who: TestCustomer = customer) => {
    const response = await get(path, who);
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown> & { from: string };
  };
  const post = (events: unknown[], who: TestCustomer) =>
    fetch(`${gateway.url}/api/v1/track/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': who.id, Authorization: `Bearer ${who.token}` },
      body: JSON.stringify({ events }),
    });
  const staged = async (who: TestCustomer) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1', [tenantHashKey(who.id)])).rows[0].n;

  /** The valid events of the window that starts at `from`, after the filter. */
  const expectedIn = (from: string, filter: (event: SentEvent) => boolean = () => true) =>
    sent.filter((event) => event.page_url !== undefined && Date.parse(event.occurred_at) >= Date.parse(from) && filter(event));

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    customer = writeTestCustomer(customersDir);
    other = writeTestCustomer(customersDir);
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.vaultLoader);
    [gateway, loader] = await Promise.all([
      // Accept 80-day-old events: the 90-day window needs history.
      startGateway(env, { CUSTOMERS_DIR: customersDir, TRACKING_MAX_EVENT_AGE_HOURS: String(100 * 24) }),
      startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir }),
    ]);
    sent = dataset(customer, now);
    // One page view without its URL: staged as INVALID, counted by the quality metrics, never by analytics.
    const invalid = { event_type: 'page_view', event_name: 'no url', session_id: 's-invalid', occurred_at: new Date(now - 60_000).toISOString(), consent_state: 'granted' };
    for (const response of [await post([...sent, invalid], customer), await post(dataset(other, now).slice(0, 4), other)]) {
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ events_failed: 0 });
    }
    await waitFor(async () => [await staged(customer), await staged(other)], ([mine, theirs]) => mine === sent.length + 1 && theirs === 4, {
      what: 'every event staged',
      timeoutMs: 60_000,
    });
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([gateway?.close(), loader?.close()]);
    await db?.end();
  });

  describe.each([7, 30, 90])('analytics over %i days', (days) => {
    let report: Record<string, unknown> & { from: string };
    let expected: SentEvent[];
    beforeAll(async () => {
      report = await json(`/api/v1/tracking/analytics?window=${days}&limit=100`);
      expected = expectedIn(report.from);
    });

    it('starts the window at 00:00 UTC and counts events, page views, visitors and sessions', () => {
      expect(report.window_days).toBe(days);
      expect(Date.parse(report.from)).toBe(Math.floor(now / DAY) * DAY - (days - 1) * DAY);
      const views = expected.filter((event) => event.event_type === 'page_view');
      expect(report.totals).toEqual({
        events: expected.length,
        page_views: views.length,
        unique_visitors: distinct(expected.map((event) => event.visitor_id)),
        sessions: distinct(expected.map((event) => event.session_id)),
      });
    });

    it('gives every day of the window, with its page views and unique visitors', () => {
      const daily = report.daily as Array<{ date: string; page_views: number; events: number; unique_visitors: number }>;
      expect(daily).toHaveLength(days);
      const day = (event: SentEvent) => event.occurred_at.slice(0, 10);
      const views = countBy(expected.filter((event) => event.event_type === 'page_view'), day);
      const events = countBy(expected, day);
      for (const entry of daily) {
        const ofDay = expected.filter((event) => day(event) === entry.date);
        expect(entry).toEqual({ date: entry.date, page_views: views[entry.date] ?? 0, events: events[entry.date] ?? 0, unique_visitors: distinct(ofDay.map((event) => event.visitor_id)) });
      }
    });

    it('ranks pages, events, referrers and UTM values by the counts of the events sent', () => {
      const views = expected.filter((event) => event.event_type === 'page_view');
      expect(toRecord(report.top_pages as Array<Record<string, unknown>>, 'page', 'page_views')).toEqual(countBy(views, (event) => hostPath(event.page_url ?? '')));
      const custom = expected.filter((event) => event.event_type !== 'page_view');
      const leaderboard = (report.event_leaderboard as Array<{ event_type: string; event_name: string; events: number }>).map((row) => [`${row.event_type}:${row.event_name}`, row.events]);
      expect(Object.fromEntries(leaderboard)).toEqual(countBy(custom, (event) => `${event.event_type}:${event.event_name}`));
      expect(toRecord(report.referrers as Array<Record<string, unknown>>, 'referrer_domain', 'page_views')).toEqual(
        countBy(views, (event) => (event.referrer ? new URL(event.referrer).hostname.replace(/^www\./, '') : undefined)),
      );
      const utm = report.utm as Record<string, Array<Record<string, unknown>>>;
      expect(toRecord(utm['sources'] ?? [], 'value', 'events')).toEqual(countBy(expected, (event) => new URL(event.page_url ?? '').searchParams.get('utm_source') ?? undefined));
      expect(toRecord(utm['campaigns'] ?? [], 'value', 'events')).toEqual(countBy(expected, (event) => new URL(event.page_url ?? '').searchParams.get('utm_campaign') ?? undefined));
      // Rankings are sorted, most first.
      const counts = (report.top_pages as Array<{ page_views: number }>).map((row) => row.page_views);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
    });

    it('lists the most recent events first in the timeline', () => {
      const timeline = report.timeline as Array<{ occurred_at: string; event_name: string }>;
      const newest = [...expected].sort((a, b) => b.occurred_at.localeCompare(a.occurred_at)).slice(0, timeline.length);
      expect(timeline.map((event) => [event.occurred_at, event.event_name])).toEqual(newest.map((event) => [event.occurred_at, event.event_name]));
    });
  });

  it('filters by URL (host and path prefix, or path alone) and by event name', async () => {
    const docs = await json(`/api/v1/tracking/analytics?window=90&url=${encodeURIComponent(`${customer.origin}/docs`)}`);
    const docsExpected = expectedIn(docs.from, (event) => new URL(event.page_url ?? '').pathname.startsWith('/docs'));
    expect((docs.totals as { events: number }).events).toBe(docsExpected.length);
    expect(docsExpected.length).toBeGreaterThan(0);

    const byPath = await json(`/api/v1/tracking/analytics?window=30&url=/blog/`);
    expect((byPath.totals as { events: number }).events).toBe(expectedIn(byPath.from, (event) => new URL(event.page_url ?? '').pathname.startsWith('/blog/')).length);

    const named = await json(`/api/v1/tracking/analytics?window=90&event_name=export_clicked`);
    expect((named.totals as { events: number }).events).toBe(expectedIn(named.from, (event) => event.event_name === 'export_clicked').length);
    expect(named.filters).toEqual({ url: null, event_name: 'export_clicked', event_type: null });
  });

  it('exports the events of the window as CSV that a spreadsheet reads safely', async () => {
    const response = await get(`/api/v1/tracking/analytics/export/?window=30`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(new RegExp(`attachment; filename="tracking-events-${customer.id}-\\d{4}-\\d{2}-\\d{2}-\\d{4}-\\d{2}-\\d{2}\\.csv"`));
    const [header, ...rows] = parseCsv(await response.text());
    expect(header?.slice(0, 4)).toEqual(['event_id', 'occurred_at', 'event_type', 'event_name']);
    const from = new Date(Math.floor(now / DAY) * DAY - 29 * DAY).toISOString();
    const expected = expectedIn(from);
    expect(rows).toHaveLength(expected.length);
    expect(rows.map((row) => row[1])).toEqual(expected.map((event) => event.occurred_at).sort());
    const names = new Set(rows.map((row) => row[3]));
    expect(names).toContain('Pricing, "plans"');
    expect(names).toContain("'=cmd|calc");
    expect(names).not.toContain('=cmd|calc');
  });

  it("shows a customer only its own tenant's figures", async () => {
    const theirs = await json('/api/v1/tracking/analytics?window=90', other);
    expect((theirs.totals as { events: number }).events).toBe(4);
    const csv = parseCsv(await (await get('/api/v1/tracking/analytics/export?window=90', other)).text());
    expect(csv).toHaveLength(5);
    // Same names and times as four of this customer's events, but only the other customer's pages.
    expect(csv.slice(1).map((row) => new URL(row[4] ?? '').origin)).toEqual(Array(4).fill(other.origin));
  });

  it('answers a bad filter with 400 INVALID_REQUEST naming each field', async () => {
    const response = await get('/api/v1/tracking/analytics?window=14&limit=0&url=ftp://x');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error_code: string; details: Array<{ field: string }> };
    expect(body.error_code).toBe('INVALID_REQUEST');
    expect(body.details.map((detail) => detail.field)).toEqual(['window', 'limit', 'url']);
  });

  it('reports pipeline status: nothing pending between layers, consumer lag per service, recent events and quality', async () => {
    const status = await json('/api/v1/track/status');
    const pipeline = status.pipeline_status as Record<string, unknown>;
    expect(pipeline).toMatchObject({ staging_pending: 0, business_pending: 0 });
    expect(Date.parse(String(pipeline['last_processed']))).not.toBeNaN();
    expect(Object.keys(status.consumer_lag as object).sort()).toEqual(['automation-trigger', 'exporter', 'vault-loader']);
    for (const service of Object.values(status.consumer_lag as Record<string, { lag: number | null }>)) expect(typeof service.lag).toBe('number');
    const recent = status.recent_events as Array<{ event_name: string; validation_status: string }>;
    expect(recent).toHaveLength(10);
    // Every event arrived in the last minute, whatever its occurred_at: all count in the 24-hour quality window.
    expect(status.quality_metrics).toMatchObject({ window_hours: 24, events: sent.length + 1, invalid: 1 });
    const quality = status.quality_metrics as { valid: number; warning: number; top_issues: Array<{ check: string; events: number }> };
    expect(quality.valid + quality.warning).toBe(sent.length);
    expect(quality.top_issues).toContainEqual(expect.objectContaining({ check: 'page_view_without_url', events: 1 }));
  });

  it('reports the dashboard: event counts, quality and the loader’s processing performance', async () => {
    const dashboard = await json('/api/v1/track/dashboard');
    const all = [...sent.map((event) => event.occurred_at), new Date(now - 60_000).toISOString()];
    const counts = dashboard.event_counts as { total: number; last_24_hours: number; last_7_days: number; by_type_last_7_days: Array<{ event_type: string; events: number }> };
    expect(counts.total).toBe(all.length);
    // now() in the database is a little after `now`: an event right at the edge may have left the window.
    expect(counts.last_24_hours).toBeLessThanOrEqual(all.filter((at) => Date.parse(at) >= now - DAY).length);
    expect(counts.last_24_hours).toBeGreaterThanOrEqual(all.filter((at) => Date.parse(at) >= now - DAY + 5 * 60_000).length);
    expect(counts.by_type_last_7_days.reduce((sum, row) => sum + row.events, 0)).toBe(counts.last_7_days);
    const processing = dashboard.processing_performance as { batches: number; records: number; records_per_second: number | null };
    expect(processing.batches).toBeGreaterThanOrEqual(1);
    expect(processing.records).toBeGreaterThanOrEqual(all.length);
    expect(processing.records_per_second).toBeGreaterThan(0);
  });

  it('answers 503 SERVICE_UNAVAILABLE, not 500, while the database is unreachable', async () => {
    const cut = await startGateway(env, { CUSTOMERS_DIR: customersDir, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/tracking' });
    try {
      for (const path of ['/api/v1/track/status', '/api/v1/tracking/analytics', '/api/v1/tracking/analytics/export']) {
        const response = await fetch(`${cut.url}${path}`, { headers: { 'X-Customer-ID': customer.id, Authorization: `Bearer ${customer.token}` } });
        expect([path, response.status]).toEqual([path, 503]);
        expect(await response.json()).toMatchObject({ error_code: 'SERVICE_UNAVAILABLE' });
      }
    } finally {
      await cut.close();
    }
  });
});
