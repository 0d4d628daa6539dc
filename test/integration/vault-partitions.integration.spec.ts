import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, Pool } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import pino from 'pino';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey } from '@tracking/contracts';
import { runMigrations } from '@tracking/database';
import { PARTITIONED_TABLES, ROLLUP_TABLES, VAULT_TABLES, monthOf, nextMonth, partitionName } from '@tracking/vault-schema';
import { VAULT_MIGRATIONS } from '@apps/vault-loader/database/migrations';
import { startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { groupLag, positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, writeTestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { buildEvents, produceEvents, uniqueId, vaultChecksums } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';

const LOADED_TOPICS = CONSUMER_SUBSCRIPTIONS.vaultLoader;

/** The tenant's rollups against counts of its staged events and findings: equal after any load, replay or purge. */
async function rollupTotals(db: Pool, tenantHk: Buffer): Promise<{ rollups: number[]; staged: number[] }> {
  const one = async (sql: string) => Number((await db.query<{ n: string | null }>(sql, [tenantHk])).rows[0]?.n ?? 0);
  return {
    rollups: [
      await one(`SELECT sum(events) AS n FROM rollup.hourly_events WHERE tenant_hk = $1`),
      await one(`SELECT sum(events) AS n FROM rollup.daily_events WHERE tenant_hk = $1`),
      await one(`SELECT sum(events) AS n FROM rollup.hourly_issues WHERE tenant_hk = $1`),
    ],
    staged: [
      await one(`SELECT count(*) AS n FROM staging.site_events WHERE tenant_hk = $1`),
      await one(`SELECT count(*) AS n FROM staging.site_events WHERE tenant_hk = $1 AND validation_status <> 'INVALID'`),
      await one(`SELECT count(*) AS n FROM staging.data_quality_log WHERE tenant_hk = $1`),
    ],
  };
}

describe('the partitioned vault (monthly partitions by load date)', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const groupId = `it-partitions-${randomUUID()}`;
  const { id: customer } = writeTestCustomer(customersDir, { privacy: { data_retention_days: 500 } });
  const tenantHk = tenantHashKey(customer);
  // A month boundary two months back: its months' partitions are not among those created ahead.
  const boundary = monthOf(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 2, 15));
  let start: Map<string, Map<number, string>>;
  let loader: RunningService;
  let db: Pool;

  const caughtUp = () => waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'loader caught up', timeoutMs: 60_000 });
  const partitionsOf = async (table: string) =>
    (
      await db.query<{ partition: string; n: number }>(
        `SELECT tableoid::regclass::text AS partition, count(*)::int AS n FROM ${table} WHERE tenant_hk = $1 GROUP BY 1 ORDER BY 1`,
        [tenantHk],
      )
    ).rows;

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    start = await positionGroup(env.kafkaBrokers, groupId, LOADED_TOPICS);
    loader = await startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir });
  });

  afterAll(async () => {
    await loader?.close();
    await db?.end();
  });

  it('loads every row of a batch crossing a month boundary once, into its month, and a replay adds nothing', async () => {
    const body = (id: string) => ({ event_type: 'page_view', page_url: `https://partitions.example/${id}`, event_id: id, session_id: 's-1', visitor_id: 'v-1' });
    const before = buildEvents(customer, ['b-1', 'b-2', 'b-3'].map(body), { receivedAt: boundary.getTime() - 3 });
    const after = buildEvents(customer, ['a-1', 'a-2', 'a-3'].map(body), { receivedAt: boundary.getTime() });
    // The same event id again a day later, in the new month: one event, stored once (its first record).
    const resent = buildEvents(customer, [body('b-1')], { receivedAt: boundary.getTime() + 86_400_000 });
    const invalid = buildEvents(customer, [{ event_type: 'page_view', event_id: 'no-url' }], { receivedAt: boundary.getTime() + 1 });
    await produceEvents(env, [...before, ...after, ...invalid]);
    await caughtUp();
    await produceEvents(env, resent);
    await caughtUp();

    const previous = partitionName('raw.site_tracking_events_r', monthOf(boundary.getTime() - 1));
    const next = partitionName('raw.site_tracking_events_r', boundary);
    expect(await partitionsOf('raw.site_tracking_events_r')).toEqual([
      { partition: previous, n: 3 },
      { partition: next, n: 4 },
    ]);
    const ids = await db.query<{ event_id: string; load_date: Date }>(`SELECT event_id, load_date FROM staging.site_events WHERE tenant_hk = $1 ORDER BY event_id`, [tenantHk]);
    expect(ids.rows.map((row) => row.event_id)).toEqual(['a-1', 'a-2', 'a-3', 'b-1', 'b-2', 'b-3', 'no-url']);
    expect(ids.rows.find((row) => row.event_id === 'b-1')?.load_date.getTime()).toBe(boundary.getTime() - 3);
    for (const spec of PARTITIONED_TABLES) {
      const rows = await partitionsOf(spec.table);
      expect([spec.table, rows.every((row) => row.partition.startsWith(`${spec.table}_p`))]).toEqual([spec.table, true]);
    }
    // The satellite keeps one row per valid event, and the re-sent record's details as a new version of b-1 (its own load date).
    const versions = await db.query<{ event_hk: Buffer; n: number }>(`SELECT event_hk, count(*)::int AS n FROM business.site_event_details_s WHERE tenant_hk = $1 GROUP BY 1 ORDER BY 2`, [tenantHk]);
    expect(versions.rows.map((row) => row.n)).toEqual([1, 1, 1, 1, 1, 2]);
    const totals = await rollupTotals(db, tenantHk);
    expect(totals.rollups).toEqual(totals.staged);

    const checksums = await vaultChecksums(db, tenantHk);
    await loader.close();
    await positionGroup(env.kafkaBrokers, groupId, LOADED_TOPICS, start);
    loader = await startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir });
    await caughtUp();
    expect(await vaultChecksums(db, tenantHk)).toEqual(checksums);
  });

  it('moves an unpartitioned vault into partitions without losing or changing a row, row-level security kept', async () => {
    const admin = new Client({ connectionString: env.databaseUrl });
    await admin.connect();
    const scratch = `${new URL(env.databaseUrl).pathname.slice(1)}_unpartitioned`;
    const scratchUrl = Object.assign(new URL(env.databaseUrl), { pathname: `/${scratch}` }).toString();
    await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${scratch}`);
    const logger = pino({ level: 'warn' });
    const old = new Pool({ connectionString: scratchUrl });
    // DROP DATABASE ... WITH (FORCE) ends whatever connection is left to it.
    old.on('error', () => undefined);
    try {
      // The vault as it was before migration PartitionedVault, holding this tenant's rows (two months and more).
      const partitioning = VAULT_MIGRATIONS.migrations.findIndex((migration) => migration.name === 'PartitionedVault1795900000000');
      const previous = { owner: VAULT_MIGRATIONS.owner, migrations: VAULT_MIGRATIONS.migrations.slice(0, partitioning) };
      await runMigrations(scratchUrl, previous, logger);
      const kind = async (table: string) => (await old.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE oid = $1::regclass`, [table])).rows[0]?.relkind;
      expect(await kind('staging.site_events')).toBe('r');
      const literal = `'\\x${tenantHk.toString('hex')}'::bytea`;
      for (const spec of [...VAULT_TABLES, ...ROLLUP_TABLES]) {
        const source = await db.connect();
        const target = await old.connect();
        try {
          const out = source.query(copyTo(`COPY (SELECT * FROM ${spec.table} WHERE tenant_hk = ${literal}) TO STDOUT`));
          const chunks: Buffer[] = [];
          for await (const chunk of out) chunks.push(chunk as Buffer);
          await pipeline(Readable.from(chunks), target.query(copyFrom(`COPY ${spec.table} FROM STDIN`)));
        } finally {
          source.release();
          target.release();
        }
      }
      const whole = async () => {
        const sums: Record<string, string> = {};
        for (const spec of [...VAULT_TABLES, ...ROLLUP_TABLES]) {
          const { rows } = await old.query<{ sum: string | null; n: number }>(`SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS sum, count(*)::int AS n FROM ${spec.table} t`);
          sums[spec.table] = `${rows[0]?.n}:${rows[0]?.sum ?? '-'}`;
        }
        return sums;
      };
      const before = await whole();
      const counted = async (table: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_hk = $1`, [tenantHk])).rows[0]?.n;
      const inTestVault = await Promise.all(
        ['raw.site_tracking_events_r', 'staging.site_events', 'staging.data_quality_log', 'business.site_event_details_s', 'analytics.events'].map(async (table) => `${table}:${await counted(table)}`),
      );
      expect(before['raw.site_tracking_events_r']).toMatch(/^7:/);

      expect((await runMigrations(scratchUrl, VAULT_MIGRATIONS, logger))[0]).toBe('PartitionedVault1795900000000');
      expect(await whole()).toEqual(before);
      for (const spec of PARTITIONED_TABLES) expect([spec.table, await kind(spec.table)]).toEqual([spec.table, 'p']);
      const partitions = await old.query<{ name: string }>(`SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'staging.site_events'::regclass ORDER BY 1`);
      const month = (at: Date) => partitionName('staging.site_events', at);
      expect(partitions.rows.map((row) => row.name)).toEqual(
        expect.arrayContaining([month(monthOf(boundary.getTime() - 1)), month(boundary), month(monthOf(Date.now())), month(nextMonth(monthOf(Date.now())))]),
      );

      // Row-level security on the partitioned tables and the views recreated over them: the read API's role sees its tenant only.
      const reader = await old.connect();
      try {
        await reader.query('BEGIN');
        await reader.query('SET LOCAL ROLE tracking_reader');
        const visible = async () =>
          Promise.all(
            ['raw.site_tracking_events_r', 'staging.site_events', 'staging.data_quality_log', 'business.site_event_details_s', 'analytics.events'].map(
              async (table) => `${table}:${(await reader.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n}`,
            ),
          );
        expect(await visible()).toEqual(['raw.site_tracking_events_r:0', 'staging.site_events:0', 'staging.data_quality_log:0', 'business.site_event_details_s:0', 'analytics.events:0']);
        await reader.query(`SELECT set_config('app.tenant_hk', $1, true)`, [tenantHk.toString('hex')]);
        expect(await visible()).toEqual(inTestVault);
        expect(inTestVault).toEqual(expect.arrayContaining(['raw.site_tracking_events_r:7', 'staging.site_events:7', 'business.site_event_details_s:7', 'analytics.events:6']));
        // A partition read directly would not apply the parent's policies: the reader has no grant on it.
        await expect(reader.query(`SELECT count(*) FROM ${month(boundary)}`)).rejects.toThrow(/permission denied/);
      } finally {
        await reader.query('ROLLBACK').catch(() => undefined);
        reader.release();
      }
    } finally {
      await old.end();
      await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('keeps an event id unique across months when the same id arrives in two records of one batch', async () => {
    const id = uniqueId('twice');
    const first = buildEvents(customer, [{ event_type: 'feature_usage', event_id: id }], { receivedAt: boundary.getTime() - 10 });
    const second = buildEvents(customer, [{ event_type: 'feature_usage', event_id: id }], { receivedAt: boundary.getTime() + 10 });
    await produceEvents(env, [...first, ...second]);
    await caughtUp();
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM raw.site_tracking_events_r WHERE tenant_hk = $1 AND event_id = $2`, [tenantHk, id]);
    expect(rows[0]?.n).toBe(1);
    const totals = await rollupTotals(db, tenantHk);
    expect(totals.rollups).toEqual(totals.staged);
  });
});
