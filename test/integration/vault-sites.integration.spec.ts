import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { parse, stringify } from 'yaml';
import { CONSUMER_SUBSCRIPTIONS, GHOST_HASH_KEY, TOPICS, hashKey, tenantHashKey, type TrackingEvent } from '@tracking/contracts';
import { DAILY_DIMENSIONS, HUBS, LINKS, ROLLUP_TABLES, SATELLITES, type Relation } from '@tracking/vault-schema';
import { TEST_ADMIN_TOKEN, startGateway, startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { groupLag, positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { buildEvents, produceEvents, vaultChecksums } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';

const LOADED_TOPICS = CONSUMER_SUBSCRIPTIONS.vaultLoader;
const HOUR = 3_600_000;

/** Each rollup's period and source rows, written out here (as in vault-rollups.integration.spec.ts) to rebuild one tenant's rollups from staging. */
const DAY_OF = `(occurred_at AT TIME ZONE 'UTC')::date`;
const VALID = `staging.site_events WHERE validation_status <> 'INVALID'`;
const REBUILD: Record<string, { period: string; from: string }> = {
  'rollup.daily_events': { period: DAY_OF, from: VALID },
  'rollup.hourly_events': { period: `date_trunc('hour', occurred_at, 'UTC')`, from: 'staging.site_events WHERE true' },
  'rollup.hourly_quality': { period: `date_trunc('hour', load_date, 'UTC')`, from: 'staging.site_events WHERE true' },
  'rollup.hourly_issues': { period: `date_trunc('hour', load_date, 'UTC')`, from: 'staging.data_quality_log WHERE true' },
};
const rebuildRollup = (rollup: Relation): string => {
  const { period, from } = REBUILD[rollup.table] ?? { period: '', from: '' };
  const grain = rollup.columns.map((column) => column.name).filter((name) => !['tenant_hk', 'events', 'quality_score_sum'].includes(name));
  const expressions = grain.map((name, index) => (index === 0 ? period : name));
  const score = rollup.table === 'rollup.hourly_quality';
  return `INSERT INTO ${rollup.table} (tenant_hk, ${grain.join(', ')}, events${score ? ', quality_score_sum' : ''})
    SELECT tenant_hk, ${expressions.join(', ')}, count(*)${score ? ', sum(quality_score)' : ''} FROM ${from} AND tenant_hk = $1 GROUP BY tenant_hk, ${expressions.join(', ')}`;
};

/** Writes the test customer's sites into its config.yaml (the directory source reads it again within seconds). */
function declareSites(dir: string, customerId: string, sites: unknown[]): void {
  const path = join(dir, customerId, 'config.yaml');
  const config = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(path, stringify({ ...config, sites }));
}

interface Sent {
  event_type: string;
  event_name: string;
  page_url?: string;
  session_id: string;
  visitor_id?: string;
  occurred_at: string;
}

/**
 * Sites in the vault (seeds 003/004): events of a declared site and of a discovered one, sent through
 * the gateway (which writes site_id) and as records from before the field (site_id null, derived by
 * the loader with the same function), load into the site and API-key hubs, links and satellites with
 * the hash keys of libs/contracts, isolated per tenant; a replay adds nothing; the rollups per site
 * equal the counts of the raw events; the read API filters and groups by site.
 */
describe('sites in the vault, the rollups and the read API', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const groupId = `it-vault-sites-${randomUUID()}`;
  const now = Date.now();
  let customer: TestCustomer;
  let other: TestCustomer;
  let shopHost: string;
  let blogHost: string;
  let tenantHk: Buffer;
  let gateway: RunningService;
  let loader: RunningService;
  let db: Pool;
  let start: Map<string, Map<number, string>>;
  /** What the test sent, with the site each event must get. */
  const expected: Array<Sent & { site: string | null }> = [];

  const get = (path: string, who: TestCustomer = customer) => fetch(`${gateway.url}${path}`, { headers: { 'X-Customer-ID': who.id, Authorization: `Bearer ${who.token}` } });
  const json = async (path: string, who: TestCustomer = customer) => {
    const response = await get(path, who);
    expect([path, response.status]).toEqual([path, 200]);
    return (await response.json()) as Record<string, unknown>;
  };
  const staged = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1', [tenantHk])).rows[0]?.n;
  const caughtUp = () =>
    waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'loader caught up', timeoutMs: 60_000 });
  const rowsOf = async (spec: Relation, columns: string) =>
    (await db.query<Record<string, unknown>>(`SELECT ${columns} FROM ${spec.table} WHERE tenant_hk = $1 ORDER BY 1`, [tenantHk])).rows;
  const hex = (value: unknown) => (value as Buffer).toString('hex');
  /** The vault's checksums without the audit trail, which the test's own read API calls keep adding to (reads are audited). */
  const trackingChecksums = async () => Object.fromEntries(Object.entries(await vaultChecksums(db, tenantHk)).filter(([table]) => !table.startsWith('audit.')));

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    customer = writeTestCustomer(customersDir);
    other = writeTestCustomer(customersDir);
    tenantHk = tenantHashKey(customer.id);
    shopHost = `shop-${randomBytes(3).toString('hex')}.sites.example`;
    blogHost = `blog-${randomBytes(3).toString('hex')}.sites.example`;
    declareSites(customersDir, customer.id, [{ id: 'shop', name: 'The shop', domains: [shopHost], settings: { currency: 'EUR' } }]);
    start = await positionGroup(env.kafkaBrokers, groupId, LOADED_TOPICS);
    [gateway, loader] = await Promise.all([
      startGateway(env, { CUSTOMERS_DIR: customersDir }),
      startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir }),
    ]);

    // Through the gateway: page views and custom events on both hosts (www. included), a server event without a page.
    const live: Array<Sent & { site: string | null }> = Array.from({ length: 24 }, (_, i) => {
      const host = i % 3 === 2 ? blogHost : i % 6 === 1 ? `www.${shopHost}` : shopHost;
      return {
        event_type: i % 4 === 3 ? 'feature_usage' : 'page_view',
        event_name: i % 4 === 3 ? 'export_clicked' : `Title ${i % 5}`,
        page_url: `https://${host}/${['', 'pricing', 'docs'][i % 3]}`,
        session_id: `s-${i % 5}`,
        visitor_id: i % 7 === 6 ? undefined : `v-${i % 4}`,
        occurred_at: new Date(now - i * HOUR).toISOString(),
        site: host === blogHost ? blogHost : 'shop',
      };
    });
    live.push({ event_type: 'order_completed', event_name: 'order', session_id: 's-server', occurred_at: new Date(now - 30 * 60_000).toISOString(), site: null });
    const response = await fetch(`${gateway.url}/api/v1/track/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': customer.id, Authorization: `Bearer ${customer.token}` },
      body: JSON.stringify({ events: live.map(({ site: _site, ...event }) => event) }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ events_failed: 0 });
    // The other tenant, on the same hosts: its own sites, invisible to this one.
    const theirs = await fetch(`${gateway.url}/api/v1/track/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': other.id, Authorization: `Bearer ${other.token}` },
      body: JSON.stringify({ events: live.slice(0, 3).map(({ site: _site, ...event }) => event) }),
    });
    expect(theirs.status).toBe(200);

    // Records written before site_id existed (the field at its default): the loader derives their site.
    const old: Array<Sent & { site: string | null }> = [
      { event_type: 'page_view', event_name: 'Old shop page', page_url: `https://${shopHost}/old`, session_id: 's-old', visitor_id: 'v-old', occurred_at: new Date(now - 2 * HOUR).toISOString(), site: 'shop' },
      { event_type: 'page_view', event_name: 'Old blog page', page_url: `https://${blogHost}/old`, session_id: 's-old', visitor_id: 'v-old', occurred_at: new Date(now - 2 * HOUR + 1000).toISOString(), site: blogHost },
    ];
    const oldRecords: TrackingEvent[] = buildEvents(customer.id, old.map(({ site: _site, ...event }) => event)).map((event) => ({ ...event, site_id: null }));
    await produceEvents(env, oldRecords);
    expected.push(...live, ...old);
    await waitFor(staged, (n) => n === expected.length, { what: 'every event staged', timeoutMs: 60_000 });
    await caughtUp();
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([gateway?.close(), loader?.close()]);
    await db?.end();
  });

  it('gives every event its site: the declared one for its domains, the host for an undeclared one, none without a page', async () => {
    const { rows } = await db.query<{ site_id: string | null; n: number }>(
      'SELECT site_id, count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1 GROUP BY 1 ORDER BY 1 NULLS LAST',
      [tenantHk],
    );
    const counts = new Map<string | null, number>();
    for (const event of expected) counts.set(event.site, (counts.get(event.site) ?? 0) + 1);
    expect(rows.map((row) => [row.site_id, row.n])).toEqual([...counts].sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b))));
  });

  it('loads the site and API-key hubs and the links with the hash keys of libs/contracts', async () => {
    const sites = await rowsOf(HUBS.site, 'site_bk, site_hk');
    expect(sites.map((row) => [row['site_bk'], hex(row['site_hk'])])).toEqual(
      [blogHost, 'shop'].sort().map((site) => [site, hashKey(customer.id, site).toString('hex')]),
    );
    const keys = await rowsOf(HUBS.apiKey, 'api_key_bk, api_key_hk');
    // The gateway's records carry the token's id ('test'), the fixtures' records the same id: never the token.
    expect(keys.map((row) => [row['api_key_bk'], hex(row['api_key_hk'])])).toEqual([['test', hashKey(customer.id, 'test').toString('hex')]]);
    expect(JSON.stringify(await rowsOf(HUBS.apiKey, '*'))).not.toContain(customer.token);

    const sessionSites = new Set(expected.map((event) => `${event.session_id}|${event.site ?? ''}`));
    const links = await rowsOf(LINKS.sessionSite, 'session_site_hk, session_hk, site_hk');
    expect(links.map((row) => hex(row['session_site_hk'])).sort()).toEqual(
      [...sessionSites].map((pair) => hashKey(customer.id, ...(pair.split('|') as [string, string])).toString('hex')).sort(),
    );
    const ghostLinks = links.filter((row) => hex(row['site_hk']) === GHOST_HASH_KEY.toString('hex'));
    expect(ghostLinks.map((row) => hex(row['session_hk']))).toEqual([hashKey(customer.id, 's-server').toString('hex')]);

    // Every staged event (all valid here) has its event-site link, to the ghost site when it has none.
    const { rows: staged } = await db.query<{ event_id: string; site_id: string | null }>('SELECT event_id, site_id FROM staging.site_events WHERE tenant_hk = $1', [tenantHk]);
    const eventSites = await rowsOf(LINKS.eventSite, 'event_site_hk, event_hk, site_hk');
    expect(eventSites.map((row) => [hex(row['event_site_hk']), hex(row['event_hk']), hex(row['site_hk'])]).sort()).toEqual(
      staged
        .map(({ event_id, site_id }) => [hashKey(customer.id, event_id, site_id), hashKey(customer.id, event_id), hashKey(customer.id, site_id)].map((key) => key.toString('hex')))
        .sort(),
    );
    const pageSites = await rowsOf(LINKS.pageSite, 'page_site_hk, site_hk');
    expect(new Set(pageSites.map((row) => hex(row['site_hk'])))).toEqual(new Set([blogHost, 'shop'].map((site) => hashKey(customer.id, site).toString('hex'))));
    const siteKeys = await rowsOf(LINKS.siteApiKey, 'site_api_key_hk');
    expect(siteKeys.map((row) => hex(row['site_api_key_hk'])).sort()).toEqual(
      [blogHost, 'shop', null].map((site) => hashKey(customer.id, site, 'test').toString('hex')).sort(),
    );
  });

  it("describes the declared site and the key from the customer's configuration, and again when it changes", async () => {
    const details = async () => rowsOf(SATELLITES.site, `load_date, site_name, domains, settings, record_source`);
    const [first, ...more] = await details();
    expect(more).toEqual([]);
    expect(first).toMatchObject({ site_name: 'The shop', domains: [shopHost], settings: { currency: 'EUR' }, record_source: TOPICS.customers });
    expect(await rowsOf(SATELLITES.apiKey, 'key_kind, description, site_id')).toEqual([{ key_kind: 'api_token', description: null, site_id: null }]);

    declareSites(customersDir, customer.id, [{ id: 'shop', name: 'The shop, renamed', domains: [shopHost], settings: { currency: 'EUR' } }]);
    const page = { event_type: 'page_view', event_name: 'After the rename', page_url: `https://${shopHost}/renamed`, session_id: 's-rename', occurred_at: new Date().toISOString() };
    expected.push({ ...page, site: 'shop' });
    // The loader reads the directory again every 5 s; an event after that carries the new description.
    await waitFor(
      async () => {
        await fetch(`${gateway.url}/api/v1/track/bulk`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Customer-ID': customer.id, Authorization: `Bearer ${customer.token}` },
          body: JSON.stringify({ events: [page] }),
        });
        return details();
      },
      (rows) => rows.length === 2,
      { what: 'the renamed site described', timeoutMs: 30_000, intervalMs: 2000 },
    );
    const rows = await details();
    expect(rows.map((row) => row['site_name'])).toEqual(['The shop', 'The shop, renamed']);
    await caughtUp();
  }, 60_000);

  it("shows another tenant's analyst none of these rows, and this tenant's reader all of them", async () => {
    const analyst = `it_analyst_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    const tables = [HUBS.site, HUBS.apiKey, LINKS.eventSite, LINKS.sessionSite, LINKS.pageSite, LINKS.siteApiKey, SATELLITES.site, SATELLITES.apiKey];
    await db.query(`CREATE ROLE ${analyst} LOGIN PASSWORD '${password}' IN ROLE tracking_analyst`);
    await db.query(`INSERT INTO vault_security.tenant_roles (role_name, tenant_hk) VALUES ($1, $2)`, [analyst, tenantHashKey(other.id)]);
    const url = new URL(env.databaseUrl);
    url.username = analyst;
    url.password = password;
    const session = new Client({ connectionString: url.toString() });
    await session.connect();
    try {
      for (const spec of tables) {
        const visible = await session.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${spec.table} WHERE tenant_hk = $1`, [tenantHk]);
        expect([spec.table, visible.rows[0]?.n]).toEqual([spec.table, 0]);
      }
      // Its own tenant's site hub rows and the ghost: nothing else.
      const tenants = await session.query<{ tenant_hk: Buffer }>(`SELECT DISTINCT tenant_hk FROM ${HUBS.site.table}`);
      expect(tenants.rows.map((row) => hex(row.tenant_hk)).sort()).toEqual([GHOST_HASH_KEY.toString('hex'), tenantHashKey(other.id).toString('hex')].sort());
    } finally {
      await session.end();
      await db.query(`DELETE FROM vault_security.tenant_roles WHERE role_name = $1`, [analyst]);
      await db.query(`DROP ROLE IF EXISTS ${analyst}`);
    }
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE tracking_reader');
      await client.query(`SELECT set_config('app.tenant_hk', $1, true)`, [tenantHk.toString('hex')]);
      for (const spec of tables) {
        const visible = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${spec.table} WHERE tenant_hk = $1`, [tenantHk]);
        expect([spec.table, (visible.rows[0]?.n ?? 0) > 0]).toEqual([spec.table, true]);
      }
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });

  it('holds in every rollup, per site, exactly the counts of the staged events', async () => {
    for (const rollup of ROLLUP_TABLES) {
      const source = rollup.table.endsWith('issues') ? 'staging.data_quality_log' : 'staging.site_events';
      const daily = rollup.table.startsWith('rollup.daily');
      const where = `tenant_hk = $1${daily ? ` AND validation_status <> 'INVALID'` : ''}`;
      const stored = await db.query(`SELECT site_id, sum(events)::int AS n FROM ${rollup.table} WHERE tenant_hk = $1 GROUP BY 1 ORDER BY 1 NULLS LAST`, [tenantHk]);
      const counted = await db.query(`SELECT site_id, count(*)::int AS n FROM ${source} WHERE ${where} GROUP BY 1 ORDER BY 1 NULLS LAST`, [tenantHk]);
      expect([rollup.table, stored.rows]).toEqual([rollup.table, counted.rows]);
    }
    // The per-dimension rollup's event dimension too.
    const dimension = await db.query(`SELECT site_id, sum(events)::int AS n FROM ${DAILY_DIMENSIONS.table} WHERE tenant_hk = $1 AND dimension = 'event' GROUP BY 1 ORDER BY 1 NULLS LAST`, [tenantHk]);
    const valid = await db.query(`SELECT site_id, count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1 AND validation_status <> 'INVALID' GROUP BY 1 ORDER BY 1 NULLS LAST`, [tenantHk]);
    expect(dimension.rows).toEqual(valid.rows);
    // And the daily event rollup per site equals the events the test sent (all valid), counted here.
    const { rows } = await db.query<{ site_id: string | null; n: number }>(
      `SELECT site_id, sum(events)::int AS n FROM rollup.daily_events WHERE tenant_hk = $1 GROUP BY 1`,
      [tenantHk],
    );
    const sent = new Map<string | null, number>();
    for (const event of expected) sent.set(event.site, (sent.get(event.site) ?? 0) + 1);
    expect(new Map(rows.map((row) => [row.site_id, row.n]))).toEqual(sent);
  });

  it('filters and groups the read API by site; without a site the answers are as before', async () => {
    const bySite = await json('/api/v1/tracking/analytics/sites?window=7');
    const sites = bySite['sites'] as Array<{ site_id: string | null; events: number; page_views: number; unique_visitors: number; sessions: number }>;
    const of = (site: string | null) => expected.filter((event) => event.site === site);
    const figures = (site: string | null) => ({
      site_id: site,
      events: of(site).length,
      page_views: of(site).filter((event) => event.event_type === 'page_view').length,
      unique_visitors: new Set(of(site).flatMap((event) => (event.visitor_id ? [event.visitor_id] : []))).size,
      sessions: new Set(of(site).map((event) => event.session_id)).size,
    });
    expect(sites).toEqual([figures('shop'), figures(blogHost), figures(null)].sort((a, b) => b.events - a.events));

    const all = await json('/api/v1/tracking/analytics?window=7');
    expect(all['filters']).toEqual({ url: null, event_name: null, event_type: null });
    const shop = await json('/api/v1/tracking/analytics?window=7&site_id=shop');
    expect(shop['filters']).toMatchObject({ site_id: 'shop' });
    const { site_id: _site, ...shopTotals } = figures('shop');
    expect(shop['totals']).toEqual(shopTotals);
    const totals = all['totals'] as { events: number };
    expect(totals.events).toBe(expected.length);
    const timeline = shop['timeline'] as Array<{ page_url: string }>;
    expect(timeline.length).toBeGreaterThan(0);
    expect(timeline.every((event) => new URL(event.page_url).hostname.endsWith(shopHost))).toBe(true);

    const status = await json(`/api/v1/track/status?site_id=${encodeURIComponent(blogHost)}`);
    expect(status['site_id']).toBe(blogHost);
    const recent = status['recent_events'] as Array<{ event_name: string }>;
    expect(recent.length).toBe(Math.min(10, of(blogHost).length));
    expect((status['quality_metrics'] as { events: number }).events).toBe(of(blogHost).length);
    const dashboard = await json(`/api/v1/track/dashboard?site_id=${encodeURIComponent(blogHost)}`);
    expect((dashboard['event_counts'] as { total: number }).total).toBe(of(blogHost).length);
    const unfiltered = await json('/api/v1/track/dashboard');
    expect(unfiltered).not.toHaveProperty('site_id');
    expect((unfiltered['event_counts'] as { total: number }).total).toBe(expected.length);
    expect((await get(`/api/v1/track/status?site_id=${'x'.repeat(300)}`)).status).toBe(400);
    // The other tenant's figures know nothing of this tenant's sites.
    const theirs = await json('/api/v1/tracking/analytics/sites?window=7', other);
    expect((theirs['sites'] as Array<{ events: number }>).reduce((sum, site) => sum + site.events, 0)).toBe(3);
  });

  it('backfills the events loaded before migration Sites to the rows their load gives now', async () => {
    const derived = [HUBS.site, HUBS.apiKey, LINKS.eventSite, LINKS.sessionSite, LINKS.pageSite, LINKS.siteApiKey];
    const configured = [SATELLITES.site, SATELLITES.apiKey];
    const sumsOf = async () => Object.fromEntries(Object.entries(await trackingChecksums()).filter(([table]) => !configured.some((spec) => spec.table === table)));
    const before = await sumsOf();
    // This tenant as migration Sites leaves a vault loaded before it: no site rows, site_id NULL, rollups without sites.
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      for (const spec of [...configured, LINKS.eventSite, LINKS.sessionSite, LINKS.pageSite, LINKS.siteApiKey, HUBS.site, HUBS.apiKey]) await client.query(`DELETE FROM ${spec.table} WHERE tenant_hk = $1`, [tenantHk]);
      for (const table of ['staging.site_events', 'staging.data_quality_log']) await client.query(`UPDATE ${table} SET site_id = NULL WHERE tenant_hk = $1`, [tenantHk]);
      for (const rollup of ROLLUP_TABLES) {
        await client.query(`DELETE FROM ${rollup.table} WHERE tenant_hk = $1`, [tenantHk]);
        await client.query(rebuildRollup(rollup), [tenantHk]);
      }
      // The per-dimension counts as well (their sketches are recounted by the backfill, as the full-grain ones).
      await client.query(`DELETE FROM ${DAILY_DIMENSIONS.table} WHERE tenant_hk = $1`, [tenantHk]);
      await client.query(
        `INSERT INTO ${DAILY_DIMENSIONS.table} (tenant_hk, day, site_id, dimension, value_1, value_2, events)
         SELECT tenant_hk, (occurred_at AT TIME ZONE 'UTC')::date, site_id, k.dimension, k.value_1, k.value_2, count(*) FROM staging.site_events CROSS JOIN LATERAL (VALUES
           ('event', event_type, event_name),
           (CASE WHEN event_type = 'page_view' AND page_host IS NOT NULL AND page_path IS NOT NULL THEN 'page' END, page_host, page_path),
           (CASE WHEN event_type = 'page_view' AND referrer_domain IS NOT NULL THEN 'referrer' END, referrer_domain, NULL),
           (CASE WHEN utm_source IS NOT NULL THEN 'utm_source' END, utm_source, NULL), (CASE WHEN utm_medium IS NOT NULL THEN 'utm_medium' END, utm_medium, NULL),
           (CASE WHEN utm_campaign IS NOT NULL THEN 'utm_campaign' END, utm_campaign, NULL)) AS k(dimension, value_1, value_2)
          WHERE tenant_hk = $1 AND validation_status <> 'INVALID' AND k.dimension IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6`,
        [tenantHk],
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const unsited = await json('/api/v1/tracking/analytics/sites?window=7');
    expect((unsited['sites'] as Array<{ site_id: string | null }>).map((site) => site.site_id)).toEqual([null]);

    const backfill = () => fetch(`${loader.url}/api/v1/sites/backfill`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    const response = await backfill();
    expect(response.status).toBe(200);
    const report = (await response.json()) as { examined: number; sited: number; rows_inserted: Record<string, number> };
    expect(report).toMatchObject({ examined: expect.any(Number) as number, sited: expected.filter((event) => event.site !== null).length });
    expect(await sumsOf()).toEqual(before);
    for (const spec of derived) expect([spec.table, (await rowsOf(spec, '1')).length > 0]).toEqual([spec.table, true]);
    // The configuration satellites describe the sites and keys as configured now.
    expect((await rowsOf(SATELLITES.site, 'site_name')).map((row) => row['site_name'])).toEqual(['The shop, renamed']);
    // A second run finds only the events without a site, and changes nothing.
    const again = (await (await backfill()).json()) as { sited: number };
    expect(again.sited).toBe(0);
    expect(await sumsOf()).toEqual(before);
  }, 60_000);

  it('adds nothing when the topic is replayed: the old records derive the same sites again', async () => {
    const before = await trackingChecksums();
    await loader.close();
    await positionGroup(env.kafkaBrokers, groupId, LOADED_TOPICS, start);
    loader = await startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir });
    await caughtUp();
    expect(await trackingChecksums()).toEqual(before);
  }, 90_000);
});
