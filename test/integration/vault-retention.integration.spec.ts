import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey } from '@tracking/contracts';
import { SingletonJob } from '@tracking/database';
import { monthOf, partitionName } from '@tracking/vault-schema';
import { TEST_ADMIN_TOKEN, startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { groupLag, positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, writeTestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { buildEvents, produceEvents, uniqueId } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';

const DAY = 24 * 3_600_000;

describe("the vault's retention (privacy.data_retention_days)", () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const groupId = `it-retention-${randomUUID()}`;
  // Known to the loader from its start: retention applies from the first record.
  const { id: customer } = writeTestCustomer(customersDir, { privacy: { data_retention_days: 30 } });
  let loader: RunningService;
  let db: Pool;

  const ids = async (table: string, column: string, tenantHk: Buffer) =>
    (await db.query<{ id: string }>(`SELECT ${column} AS id FROM ${table} WHERE tenant_hk = $1 ORDER BY 1`, [tenantHk])).rows.map((row) => row.id);

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.vaultLoader);
    // One heap block per purge transaction: even these small tables are purged in many transactions.
    loader = await startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir, VAULT_RETENTION_CHUNK_BLOCKS: '1' });
  });

  afterAll(async () => {
    await loader?.close();
    await db?.end();
  });

  it('never loads what is already past retention, and purges what passes it, keeping hubs that newer rows still use', async () => {
    const tenantHk = tenantHashKey(customer);
    const session = uniqueId('session');
    const visitor = uniqueId('visitor');
    const now = Date.now();
    const at = (daysAgo: number, bodies: Array<Record<string, unknown>>) =>
      buildEvents(customer, bodies.map((body) => ({ session_id: session, visitor_id: visitor, ...body })), { receivedAt: now - daysAgo * DAY });
    const ancient = at(40, [{ event_type: 'page_view', page_url: 'https://keep.example/ancient', event_id: 'ancient' }]);
    const old = at(20, [
      { event_type: 'page_view', page_url: 'https://keep.example/old-only', event_id: 'old-1' },
      { event_type: 'page_view', page_url: 'https://keep.example/shared', event_id: 'old-2' },
      { event_type: 'feature_usage', event_id: 'old-3' },
    ]);
    const recent = at(0, [
      { event_type: 'page_view', page_url: 'https://keep.example/shared', event_id: 'new-1' },
      { event_type: 'feature_usage', event_id: 'new-2' },
    ]);
    await produceEvents(env, [...ancient, ...old, ...recent]);
    await waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'loader caught up', timeoutMs: 60_000 });
    expect(await ids('raw.site_tracking_events_r', 'event_id', tenantHk)).toEqual(['new-1', 'new-2', 'old-1', 'old-2', 'old-3']);

    // The customer shortens its retention to 10 days; the operator runs the purge now.
    writeTestCustomer(customersDir, { privacy: { data_retention_days: 10 } }, customer);
    const response = await fetch(`${loader.url}/api/v1/privacy/retention/run`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    const { purged } = (await response.json()) as { purged: Record<string, Record<string, number>> };
    expect(purged[customer]).toMatchObject({ 'raw.site_tracking_events_r': 3, 'staging.site_events': 3, 'business.site_event_h': 3, 'business.site_session_h': 0 });

    for (const table of ['raw.site_tracking_events_r', 'staging.site_events']) expect(await ids(table, 'event_id', tenantHk)).toEqual(['new-1', 'new-2']);
    expect(await ids('business.site_event_h', 'event_bk', tenantHk)).toEqual(['new-1', 'new-2']);
    // The session and visitor were first seen 20 days ago, but the recent events still link to them.
    expect(await ids('business.site_session_h', 'session_bk', tenantHk)).toEqual([session]);
    expect(await ids('business.site_visitor_h', 'visitor_bk', tenantHk)).toEqual([visitor]);
    expect(await ids('business.site_page_h', 'page_bk', tenantHk)).toEqual(['keep.example/shared']);
    // The discovered site stays while a kept event belongs to it; the key stays while its configuration describes it,
    // and that description (configuration, not tracking data) is not purged.
    expect(await ids('business.site_h', 'site_bk', tenantHk)).toEqual(['keep.example']);
    expect(await ids('business.api_key_h', 'api_key_bk', tenantHk)).toEqual(['test']);
    expect(await ids('business.api_key_details_s', 'key_kind', tenantHk)).toEqual(['api_token']);
    const cutoff = new Date(now - 10 * DAY);
    for (const table of [
      'business.site_event_details_s',
      'business.event_session_l',
      'business.event_page_l',
      'staging.data_quality_log',
      'business.event_site_l',
      'business.session_site_l',
      'business.page_site_l',
      'business.site_api_key_l',
    ]) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_hk = $1 AND load_date < $2`, [tenantHk, cutoff]);
      expect([table, rows[0]?.n]).toEqual([table, 0]);
    }
  });

  it('drops a month whole once it is past every retention that applies to it, counted out of the rollups', async () => {
    // A customer of its own whose oldest month no other tenant shares: 450 days back, past the default retention (365).
    const { id: keeper } = writeTestCustomer(customersDir, { privacy: { data_retention_days: 500 } });
    const tenantHk = tenantHashKey(keeper);
    const now = Date.now();
    const oldMonth = monthOf(now - 450 * DAY);
    await waitFor(
      async () => {
        const response = await fetch(`${loader.url}/api/v1/privacy/retention/run`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
        return ((await response.json()) as { purged: Record<string, unknown> }).purged[keeper] !== undefined;
      },
      (known) => known,
      { what: 'the loader knows the new customer', timeoutMs: 30_000 },
    );
    const bodies = (prefix: string) => Array.from({ length: 5 }, (_, i) => ({ event_type: 'page_view', page_url: `https://month.example/${i}`, event_id: `${prefix}-${i}`, session_id: 's', visitor_id: 'v' }));
    await produceEvents(env, [...buildEvents(keeper, bodies('old'), { receivedAt: oldMonth.getTime() + DAY }), ...buildEvents(keeper, bodies('new'), { receivedAt: now })]);
    await waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'loader caught up', timeoutMs: 60_000 });
    const raw = partitionName('raw.site_tracking_events_r', oldMonth);
    const staged = partitionName('staging.site_events', oldMonth);
    expect((await db.query(`SELECT 1 FROM ${raw} WHERE tenant_hk = $1`, [tenantHk])).rowCount).toBe(5);
    const hourly = async () => Number((await db.query<{ n: string | null }>(`SELECT sum(events) AS n FROM rollup.hourly_events WHERE tenant_hk = $1`, [tenantHk])).rows[0]?.n ?? 0);
    expect(await hourly()).toBe(10);

    writeTestCustomer(customersDir, { privacy: { data_retention_days: 400 } }, keeper);
    await waitFor(
      async () => {
        const response = await fetch(`${loader.url}/api/v1/privacy/retention/run`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
        return ((await response.json()) as { partitions_dropped: Record<string, number> }).partitions_dropped;
      },
      (dropped) => dropped[raw] !== undefined,
      { what: 'the month dropped', timeoutMs: 30_000 },
    ).then((dropped) => expect(dropped).toMatchObject({ [raw]: 5, [staged]: 5, [partitionName('business.site_event_details_s', oldMonth)]: 5 }));
    expect((await db.query(`SELECT to_regclass($1) AS t`, [raw])).rows[0]?.t).toBeNull();
    expect(await ids('staging.site_events', 'event_id', tenantHk)).toEqual(['new-0', 'new-1', 'new-2', 'new-3', 'new-4']);
    expect(await hourly()).toBe(5);
    // The old events' hubs went with them (nothing newer refers to them); the shared session and visitor stay.
    expect(await ids('business.site_event_h', 'event_bk', tenantHk)).toEqual(['new-0', 'new-1', 'new-2', 'new-3', 'new-4']);
    expect(await ids('business.site_session_h', 'session_bk', tenantHk)).toEqual(['s']);
  });

  it('keeps loading while a purge runs, and leaves the rollups equal to the events kept', async () => {
    const { id: busy } = writeTestCustomer(customersDir, { privacy: { data_retention_days: 500 } });
    const tenantHk = tenantHashKey(busy);
    const runRetention = async () => {
      const response = await fetch(`${loader.url}/api/v1/privacy/retention/run`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      return (await response.json()) as { purged: Record<string, Record<string, number>> };
    };
    await waitFor(runRetention, (report) => report.purged[busy] !== undefined, { what: 'the loader knows the new customer', timeoutMs: 30_000 });
    const now = Date.now();
    const bodies = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({ event_type: 'page_view', page_url: `https://busy.example/${i % 30}`, event_id: `${prefix}-${i}`, session_id: `s-${i % 50}`, visitor_id: `v-${i % 20}` }));
    await produceEvents(env, buildEvents(busy, bodies('old', 2000), { receivedAt: now - 200 * DAY }));
    await waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'the old events loaded', timeoutMs: 90_000 });

    writeTestCustomer(customersDir, { privacy: { data_retention_days: 100 } }, busy);
    await produceEvents(env, buildEvents(busy, bodies('new', 3000), { receivedAt: now }));
    const loadedNew = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM staging.site_events WHERE tenant_hk = $1 AND event_id LIKE 'new-%'`, [tenantHk])).rows[0]?.n);
    const atStart = await loadedNew();
    const purge = waitFor(runRetention, (report) => (report.purged[busy]?.['staging.site_events'] ?? 0) > 0, { what: 'the purge of the old events', timeoutMs: 60_000 });
    const report = await purge;
    const atEnd = await loadedNew();
    await waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'the new events loaded', timeoutMs: 90_000 });
    process.stdout.write(`purge while loading: new events staged ${atStart} when the purge started, ${atEnd} when it ended (of 3000); purged ${JSON.stringify(report.purged[busy])}\n`);
    expect(report.purged[busy]).toMatchObject({ 'raw.site_tracking_events_r': 2000, 'staging.site_events': 2000 });
    // Loading went on during the purge: batches committed between its start and its end.
    expect(atEnd).toBeGreaterThan(atStart);

    const count = async (sql: string) => Number((await db.query<{ n: string | null }>(sql, [tenantHk])).rows[0]?.n ?? 0);
    const staged = await count(`SELECT count(*) AS n FROM staging.site_events WHERE tenant_hk = $1`);
    expect(staged).toBe(3000);
    expect(await count(`SELECT count(*) AS n FROM raw.site_tracking_events_r WHERE tenant_hk = $1`)).toBe(3000);
    expect({
      hourlyEvents: await count(`SELECT sum(events) AS n FROM rollup.hourly_events WHERE tenant_hk = $1`),
      hourlyQuality: await count(`SELECT sum(events) AS n FROM rollup.hourly_quality WHERE tenant_hk = $1`),
      dailyEvents: await count(`SELECT sum(events) AS n FROM rollup.daily_events WHERE tenant_hk = $1`),
      hourlyIssues: await count(`SELECT sum(events) AS n FROM rollup.hourly_issues WHERE tenant_hk = $1`),
    }).toEqual({
      hourlyEvents: staged,
      hourlyQuality: staged,
      dailyEvents: await count(`SELECT count(*) AS n FROM staging.site_events WHERE tenant_hk = $1 AND validation_status <> 'INVALID'`),
      hourlyIssues: await count(`SELECT count(*) AS n FROM staging.data_quality_log WHERE tenant_hk = $1`),
    });
    expect(await ids('business.site_page_h', 'page_bk', tenantHk)).toHaveLength(30);
  }, 240_000);

  it('runs once across instances: never two at a time, and not again within its interval unless forced', async () => {
    const name = `it-singleton-${randomUUID()}`;
    // Two instances of a service, each with its own pool, as two loaders would have.
    const other = new Pool({ connectionString: env.databaseUrl });
    try {
      const first = new SingletonJob(db, name, 3_600_000);
      const second = new SingletonJob(other, name, 3_600_000);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const running = first.run(async () => {
        await held;
        return 'first';
      });
      await waitFor(
        async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = hashtext($1)::oid`, [`job:${name}`])).rows[0]?.n,
        (n) => n === 1,
        { what: 'the first instance holds the lock' },
      );
      expect(await second.run(async () => 'second')).toEqual({ ran: false, reason: 'running elsewhere' });
      release();
      expect(await running).toEqual({ ran: true, result: 'first' });
      expect(await second.run(async () => 'second')).toMatchObject({ ran: false, reason: 'ran recently' });
      expect(await second.run(async () => 'forced', { force: true })).toEqual({ ran: true, result: 'forced' });
    } finally {
      await other.end();
    }
  });
});
