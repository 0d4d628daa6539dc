import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey } from '@tracking/contracts';
import { DAILY_DIMENSION_SKETCHES, DAILY_DIMENSIONS, DAILY_EVENTS, DAILY_SESSION_SKETCHES, DAILY_VISITOR_SKETCHES, DIMENSION_TABLES, DistinctUnion, HOURLY_EVENTS, HOURLY_ISSUES, HOURLY_QUALITY, ROLLUP_TABLES } from '@tracking/vault-schema';
import { TEST_ADMIN_TOKEN, startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { groupLag, positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, writeTestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { buildEvents, produceEvents, uniqueId, vaultChecksums } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LOADED_TOPICS = CONSUMER_SUBSCRIPTIONS.vaultLoader;

const DAY_OF = `(occurred_at AT TIME ZONE 'UTC')::date`;
const VALID = `validation_status <> 'INVALID'`;
/**
 * Each rollup as a GROUP BY over the tenant's rows of the staging layer, written out here rather
 * than taken from the loader's generator: what the rollups must hold after any load, replay,
 * erasure or purge. Rows in one canonical order, as text, so the comparison names any difference.
 */
const RECOMPUTED: Record<string, { grain: string; from: string }> = {
  [DAILY_EVENTS.table]: {
    grain: `${DAY_OF}, event_type, event_name, page_host, page_path, referrer_domain, utm_source, utm_medium, utm_campaign, site_id`,
    from: `staging.site_events WHERE ${VALID}`,
  },
  [HOURLY_EVENTS.table]: { grain: `date_trunc('hour', occurred_at, 'UTC'), event_type, site_id`, from: `staging.site_events WHERE true` },
  [HOURLY_QUALITY.table]: { grain: `date_trunc('hour', load_date, 'UTC'), validation_status, site_id`, from: `staging.site_events WHERE true` },
  [HOURLY_ISSUES.table]: { grain: `date_trunc('hour', load_date, 'UTC'), check_name, severity, site_id`, from: `staging.data_quality_log WHERE true` },
};

/** Each distinct sketch rollup: its member column in staging and its grain, written out here as for the rollups. */
const SKETCHED = [
  { sketch: DAILY_VISITOR_SKETCHES, column: 'visitors', member: 'visitor_id', grain: `${DAY_OF}, site_id, event_type, event_name, page_host, page_path, referrer_domain` },
  { sketch: DAILY_SESSION_SKETCHES, column: 'sessions', member: 'session_id', grain: `${DAY_OF}, site_id, event_type, event_name, page_host, page_path, utm_source, utm_medium, utm_campaign` },
] as const;

/**
 * The per-dimension rollups' rows, written out as one SELECT per dimension over the staging layer
 * (validated events): (day, site, dimension, value 1, value 2, member), the member the sketches count.
 */
const PAGE = `event_type = 'page_view' AND page_host IS NOT NULL AND page_path IS NOT NULL`;
const REFERRER = `event_type = 'page_view' AND referrer_domain IS NOT NULL`;
const DIMENSION_ROWS: Array<[dimension: string, values: string, condition: string]> = [
  ['event', 'event_type, event_name', 'true'],
  ['page', 'page_host, page_path', PAGE],
  ['referrer', 'referrer_domain, NULL', REFERRER],
  ['utm_source', 'utm_source, NULL', 'utm_source IS NOT NULL'],
  ['utm_medium', 'utm_medium, NULL', 'utm_medium IS NOT NULL'],
  ['utm_campaign', 'utm_campaign, NULL', 'utm_campaign IS NOT NULL'],
];
const DIMENSION_MEMBERS: Array<[dimension: string, values: string, condition: string, member: 'visitor_id' | 'session_id']> = [
  ['visitors', 'NULL, NULL', 'true', 'visitor_id'],
  ['visitors_page', 'page_host, page_path', PAGE, 'visitor_id'],
  ['visitors_event', 'event_type, event_name', 'true', 'visitor_id'],
  ['visitors_referrer', 'referrer_domain, NULL', REFERRER, 'visitor_id'],
  ['sessions', 'NULL, NULL', 'true', 'session_id'],
  ['sessions_utm_source', 'utm_source, NULL', 'utm_source IS NOT NULL', 'session_id'],
  ['sessions_utm_medium', 'utm_medium, NULL', 'utm_medium IS NOT NULL', 'session_id'],
  ['sessions_utm_campaign', 'utm_campaign, NULL', 'utm_campaign IS NOT NULL', 'session_id'],
];
const dimensionSource = (rows: ReadonlyArray<readonly [string, string, string, string?]>) =>
  rows
    .map(([dimension, values, condition, member]) =>
      `SELECT ${DAY_OF} AS day, site_id, '${dimension}' AS dimension, ${values}, ${member ?? 'NULL'}::text AS member FROM staging.site_events WHERE tenant_hk = $1 AND ${VALID} AND ${condition}`,
    )
    .join('\nUNION ALL ');

describe('the rollups the read API answers from', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const groupId = `it-rollups-${randomUUID()}`;
  const { id: customer } = writeTestCustomer(customersDir, { privacy: { data_retention_days: 30 } });
  const tenantHk = tenantHashKey(customer);
  const now = Date.now();
  const erased = uniqueId('visitor');
  let start: Map<string, Map<number, string>>;
  let loader: RunningService;
  let db: Pool;

  /** Per rollup: its rows and the rows recomputed from staging, both as text lines; plus how many rows. */
  const compare = async () => {
    const result: Record<string, { stored: string[]; recomputed: string[] }> = {};
    for (const rollup of ROLLUP_TABLES) {
      const { grain, from } = RECOMPUTED[rollup.table] ?? { grain: '', from: '' };
      const grainColumns = rollup.columns.map((column) => column.name).filter((name) => name !== 'tenant_hk' && name !== 'events' && name !== 'quality_score_sum');
      const scoreSum = rollup === HOURLY_QUALITY ? ', quality_score_sum' : '';
      const stored = await db.query<{ line: string }>(
        `SELECT concat_ws('|', ${grainColumns.map((name) => `coalesce(${name}::text, '∅')`).join(', ')}, events${scoreSum}) AS line FROM ${rollup.table} WHERE tenant_hk = $1 ORDER BY 1`,
        [tenantHk],
      );
      const recomputed = await db.query<{ line: string }>(
        `SELECT concat_ws('|', ${grain.split(/,(?![^(]*\))/).map((expression) => `coalesce((${expression})::text, '∅')`).join(', ')}, count(*)${scoreSum ? ', sum(quality_score)' : ''}) AS line
           FROM ${from} AND tenant_hk = $1 GROUP BY ${grain} ORDER BY 1`,
        [tenantHk],
      );
      result[rollup.table] = { stored: stored.rows.map((row) => row.line), recomputed: recomputed.rows.map((row) => row.line) };
    }
    return result;
  };
  /**
   * The distinct sketches: each stored sketch is the one of its grain's members in staging (a sketch is
   * a function of its set, so the bytes agree), and merged as the read API merges them they give
   * the exact distinct count of the staged ids, in total and per day (these sets are small).
   */
  const expectSketches = async () => {
    for (const { sketch, column, member, grain } of SKETCHED) {
      const grainColumns = sketch.columns.map((c) => c.name).filter((name) => name !== 'tenant_hk' && name !== column);
      const stored = await db.query<{ line: string }>(
        `SELECT concat_ws('|', ${grainColumns.map((name) => `coalesce(${name}::text, '∅')`).join(', ')}, encode(${column}, 'hex')) AS line FROM ${sketch.table} WHERE tenant_hk = $1 ORDER BY 1`,
        [tenantHk],
      );
      const recomputed = await db.query<{ line: string }>(
        `SELECT concat_ws('|', ${grain.split(/,(?![^(]*\))/).map((expression) => `coalesce((${expression})::text, '∅')`).join(', ')}, encode(rollup.sketch_add(NULL, array_agg(hashtextextended(${member}, 0))), 'hex')) AS line
           FROM staging.site_events WHERE ${VALID} AND ${member} IS NOT NULL AND tenant_hk = $1 GROUP BY ${grain} ORDER BY 1`,
        [tenantHk],
      );
      expect([sketch.table, stored.rows.map((row) => row.line)]).toEqual([sketch.table, recomputed.rows.map((row) => row.line)]);

      const sketches = await db.query<{ day: string; sketch: Buffer }>(`SELECT day::text AS day, ${column} AS sketch FROM ${sketch.table} WHERE tenant_hk = $1`, [tenantHk]);
      const merged = new Map<string, DistinctUnion>();
      for (const row of sketches.rows) {
        for (const key of ['total', row.day]) {
          const union = merged.get(key) ?? new DistinctUnion();
          merged.set(key, union);
          union.add(row.sketch);
        }
      }
      const exact = await db.query<{ day: string | null; n: number }>(
        `SELECT ${DAY_OF}::text AS day, count(DISTINCT ${member})::int AS n FROM staging.site_events WHERE ${VALID} AND ${member} IS NOT NULL AND tenant_hk = $1 GROUP BY ROLLUP (1)`,
        [tenantHk],
      );
      const counts = (rows: Array<[string, number]>) => Object.fromEntries(rows.sort(([a], [b]) => a.localeCompare(b)));
      expect([sketch.table, counts([...merged].map(([key, union]) => [key, union.count()]))]).toEqual([sketch.table, counts(exact.rows.map((row) => [row.day ?? 'total', row.n]))]);
    }
  };
  /**
   * The per-dimension rollups: each count row is its dimension value's validated events in staging,
   * each sketch the one of that value's members; merged as the read API merges them, the sketches give
   * the exact distinct count of the staged ids per day, page, event, referrer and UTM value, and per site.
   */
  const expectDimensions = async () => {
    const line = (columns: string[]) => `concat_ws('|', ${columns.map((name) => `coalesce(${name}::text, '∅')`).join(', ')})`;
    const grain = ['day', 'site_id', 'dimension', 'value_1', 'value_2'];
    const storedCounts = await db.query<{ line: string }>(`SELECT ${line([...grain, 'events'])} AS line FROM ${DAILY_DIMENSIONS.table} WHERE tenant_hk = $1 ORDER BY 1`, [tenantHk]);
    const counted = await db.query<{ line: string }>(
      `SELECT ${line([...grain, 'count(*)'])} AS line FROM (${dimensionSource(DIMENSION_ROWS)}) AS x(${[...grain, 'member'].join(', ')}) GROUP BY ${grain.join(', ')} ORDER BY 1`,
      [tenantHk],
    );
    expect([DAILY_DIMENSIONS.table, storedCounts.rows.map((row) => row.line)]).toEqual([DAILY_DIMENSIONS.table, counted.rows.map((row) => row.line)]);
    expect(counted.rows.length).toBeGreaterThan(0);

    const members = `(${dimensionSource(DIMENSION_MEMBERS)}) AS x(${[...grain, 'member'].join(', ')})`;
    const storedSketches = await db.query<{ line: string }>(`SELECT ${line([...grain, `encode(members, 'hex')`])} AS line FROM ${DAILY_DIMENSION_SKETCHES.table} WHERE tenant_hk = $1 ORDER BY 1`, [tenantHk]);
    const sketched = await db.query<{ line: string }>(
      `SELECT ${line([...grain, `encode(rollup.sketch_add(NULL, array_agg(hashtextextended(member, 0))), 'hex')`])} AS line FROM ${members} WHERE member IS NOT NULL GROUP BY ${grain.join(', ')} ORDER BY 1`,
      [tenantHk],
    );
    expect([DAILY_DIMENSION_SKETCHES.table, storedSketches.rows.map((row) => row.line)]).toEqual([DAILY_DIMENSION_SKETCHES.table, sketched.rows.map((row) => row.line)]);

    // Merged over the window (and per day, and per site) as the read API merges them: the exact distinct counts.
    const sketches = await db.query<{ key: string; sketch: Buffer }>(
      `SELECT concat_ws('|', dimension, coalesce(value_1, '∅'), coalesce(value_2, '∅')) AS key, day::text AS day, coalesce(site_id, '∅') AS site, members AS sketch FROM ${DAILY_DIMENSION_SKETCHES.table} WHERE tenant_hk = $1`,
      [tenantHk],
    );
    const merged = new Map<string, DistinctUnion>();
    for (const row of sketches.rows as Array<{ key: string; day: string; site: string; sketch: Buffer }>) {
      for (const key of [row.key, `${row.key}@${row.day}`, `${row.key}#${row.site}`]) {
        const union = merged.get(key) ?? new DistinctUnion();
        merged.set(key, union);
        union.add(row.sketch);
      }
    }
    const exact = await db.query<{ key: string; n: number }>(
      `SELECT concat_ws('|', dimension, coalesce(value_1, '∅'), coalesce(value_2, '∅')) || CASE WHEN GROUPING(day) = 0 THEN '@' || day::text ELSE '' END || CASE WHEN GROUPING(site_id) = 0 THEN '#' || coalesce(site_id, '∅') ELSE '' END AS key, count(DISTINCT member)::int AS n
         FROM ${members} WHERE member IS NOT NULL GROUP BY GROUPING SETS ((dimension, value_1, value_2), (dimension, value_1, value_2, day), (dimension, value_1, value_2, site_id))`,
      [tenantHk],
    );
    const counts = (rows: Array<[string, number]>) => Object.fromEntries(rows.sort(([a], [b]) => a.localeCompare(b)));
    expect(counts([...merged].map(([key, union]) => [key, union.count()]))).toEqual(counts(exact.rows.map((row) => [row.key, row.n])));
    expect(exact.rows.some((row) => row.key.startsWith('visitors_page|'))).toBe(true);
  };
  const dimensionChecksums = async () =>
    Promise.all(
      DIMENSION_TABLES.map(async ({ table }) => (await db.query<{ sum: string }>(`SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS sum FROM ${table} t WHERE tenant_hk = $1`, [tenantHk])).rows[0]?.sum),
    );
  const expectExact = async () => {
    const tables = await compare();
    for (const [table, { stored, recomputed }] of Object.entries(tables)) expect([table, stored]).toEqual([table, recomputed]);
    await expectSketches();
    await expectDimensions();
    return tables;
  };
  const caughtUp = () => waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'loader caught up', timeoutMs: 60_000 });
  const staged = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1`, [tenantHk])).rows[0]?.n;

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    start = await positionGroup(env.kafkaBrokers, groupId, LOADED_TOPICS);
    loader = await startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir });
    // Three arrivals (20 days ago, 5 days ago, now), each with page views, custom events, referrers,
    // UTM values, visitors across sessions, events without a visitor, and an invalid page view.
    const arrival = (daysAgo: number) => {
      const receivedAt = now - daysAgo * DAY;
      const bodies = Array.from({ length: 30 }, (_, i) => ({
        event_type: i % 3 === 2 ? 'feature_usage' : 'page_view',
        event_name: i % 3 === 2 ? `feature ${i % 2}` : `Title ${i % 4}`,
        page_url: i === 28 ? undefined : `https://rollups.example/${['', 'pricing', 'docs/a', 'docs/b'][i % 4]}${i % 5 === 0 ? '?utm_source=news&utm_medium=email&utm_campaign=launch' : ''}`,
        referrer: i % 4 === 1 ? 'https://www.google.com/search' : undefined,
        session_id: `s-${daysAgo}-${i % 6}`,
        visitor_id: i % 7 === 6 ? undefined : i % 5 === 1 ? erased : `v-${i % 4}`,
        // Spread over the hours (and the UTC day boundary) before arrival.
        occurred_at: new Date(receivedAt - i * 47 * 60_000).toISOString(),
      }));
      return buildEvents(customer, bodies, { receivedAt });
    };
    const events = [...arrival(20), ...arrival(5), ...arrival(0)];
    await produceEvents(env, events);
    await waitFor(staged, (n) => n === events.length, { what: 'every event staged', timeoutMs: 60_000 });
    await caughtUp();
  }, 90_000);

  afterAll(async () => {
    await loader?.close();
    await db?.end();
  });

  it('holds exactly the counts of the staged events, for every rollup', async () => {
    const tables = await expectExact();
    for (const [table, { stored }] of Object.entries(tables)) expect([table, stored.length > 0]).toEqual([table, true]);
    // Invalid events are in the hourly counts but in no daily rollup.
    const daily = await db.query<{ n: string }>(`SELECT sum(events) AS n FROM ${DAILY_EVENTS.table} WHERE tenant_hk = $1`, [tenantHk]);
    expect(Number(daily.rows[0]?.n)).toBe(87);
  });

  it('writes sketches the read API estimates within the bound once they hold registers, and unions them as one', async () => {
    const sketchOf = async (from: number, to: number) =>
      (await db.query<{ s: Buffer }>(`SELECT rollup.sketch_add(NULL, array_agg(hashtextextended('id-' || i, 0))) AS s FROM generate_series($1::int, $2::int) i`, [from, to])).rows[0]?.s ?? Buffer.alloc(0);
    const union = new DistinctUnion();
    for (const [from, to] of [[1, 12_000], [8_001, 20_000], [19_990, 20_000]] as const) union.add(await sketchOf(from, to));
    // 1.04 / √4096 = 1.6% standard error; within three of them.
    expect(Math.abs(union.count() - 20_000) / 20_000).toBeLessThan(0.05);
    const { rows } = await db.query<{ same: boolean }>(
      `SELECT rollup.sketch_union(rollup.sketch_add(NULL, (SELECT array_agg(hashtextextended('id-' || i, 0)) FROM generate_series(1, 12000) i)),
                                  rollup.sketch_add(NULL, (SELECT array_agg(hashtextextended('id-' || i, 0)) FROM generate_series(300, 20000) i)))
            = rollup.sketch_add(NULL, (SELECT array_agg(hashtextextended('id-' || i, 0)) FROM generate_series(1, 20000) i)) AS same`,
    );
    expect(rows[0]?.same).toBe(true);
  });

  it('does not change when the topic is replayed: a record loaded twice counts once', async () => {
    const before = await vaultChecksums(db, tenantHk);
    const dimensionsBefore = await dimensionChecksums();
    await loader.close();
    await positionGroup(env.kafkaBrokers, groupId, LOADED_TOPICS, start);
    loader = await startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir });
    await caughtUp();
    expect(await vaultChecksums(db, tenantHk)).toEqual(before);
    expect(await dimensionChecksums()).toEqual(dimensionsBefore);
    await expectExact();
  });

  it("loses an erased person's visitor and session ids and keeps their events counted, anonymised", async () => {
    const totalBefore = await db.query<{ n: string }>(`SELECT sum(events) AS n FROM ${HOURLY_EVENTS.table} WHERE tenant_hk = $1`, [tenantHk]);
    const response = await fetch(`${loader.url}/api/v1/privacy/erasures`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      body: JSON.stringify({ customer_id: customer, visitor_id: erased }),
    });
    expect(response.status).toBe(200);
    await expectExact();
    const sketched = await db.query(`SELECT 1 FROM ${DAILY_VISITOR_SKETCHES.table} WHERE tenant_hk = $1 AND hashtextextended($2, 0) = ANY (rollup.sketch_members(visitors))`, [tenantHk, erased]);
    expect(sketched.rowCount).toBe(0);
    const inDimensions = await db.query(`SELECT 1 FROM ${DAILY_DIMENSION_SKETCHES.table} WHERE tenant_hk = $1 AND hashtextextended($2, 0) = ANY (rollup.sketch_members(members))`, [tenantHk, erased]);
    expect(inDimensions.rowCount).toBe(0);
    const totalAfter = await db.query<{ n: string }>(`SELECT sum(events) AS n FROM ${HOURLY_EVENTS.table} WHERE tenant_hk = $1`, [tenantHk]);
    expect(totalAfter.rows[0]?.n).toBe(totalBefore.rows[0]?.n);
  });

  it('loses what the retention purge deletes, and only that', async () => {
    const cutoffDay = new Date(now - 10 * DAY).toISOString().slice(0, 10);
    const before = async () =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${DAILY_EVENTS.table} WHERE tenant_hk = $1 AND day < $2::date`, [tenantHk, cutoffDay])).rows[0]?.n;
    expect(await before()).toBeGreaterThan(0);
    writeTestCustomer(customersDir, { privacy: { data_retention_days: 10 } }, customer);
    const response = await fetch(`${loader.url}/api/v1/privacy/retention/run`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await staged()).toBe(60);
    await expectExact();
    // The oldest arrival's days are gone from the rollups, not left behind as rows of zero, and from the sketches.
    expect(await before()).toBe(0);
    const sketchDays = await db.query(`SELECT 1 FROM ${DAILY_VISITOR_SKETCHES.table} WHERE tenant_hk = $1 AND day < $2::date`, [tenantHk, cutoffDay]);
    expect(sketchDays.rowCount).toBe(0);
    for (const { table } of DIMENSION_TABLES) {
      const days = await db.query(`SELECT 1 FROM ${table} WHERE tenant_hk = $1 AND day < $2::date`, [tenantHk, cutoffDay]);
      expect([table, days.rowCount]).toEqual([table, 0]);
    }
  });
});
