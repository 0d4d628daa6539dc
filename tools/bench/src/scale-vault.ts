import type { Client } from 'pg';
import { GHOST_HASH_KEY } from '@tracking/contracts';
import { DAILY_DIMENSION_SKETCHES, DAILY_DIMENSIONS, DIMENSION_TABLES, HUBS, LINKS, QUALITY_LOG, RAW_EVENTS, ROLLUP_TABLES, SATELLITES, SKETCH_TABLES, STAGED_EVENTS, type TableSpec } from '@tracking/vault-schema';

const DAY_SECONDS = 86_400;
const GHOST = `'\\x${GHOST_HASH_KEY.toString('hex')}'::bytea`;

/** hashKey of libs/contracts in SQL: SHA-256 over the trimmed, upper-cased parts joined with `||`, customer first. */
const hashKey = (...parts: string[]): string => `sha256(convert_to(concat_ws('||', ${parts.map((part) => `upper(btrim(coalesce(${part}, '')))`).join(', ')}), 'UTF8'))`;

/** A copy's id: the loaded id with `~k`; events and sessions of copy k are new ones, visitors, pages and sites recur. */
const copied = (id: string): string => `${id} || '~' || c.k`;
/** Rows the loader wrote, not copies. */
const loaded = (id: string): string => `position('~' in ${id}) = 0`;

/**
 * Multiplies a vault the loader filled into a larger one in SQL, as the issue's scale bench asks:
 * copy k of every loaded event gets the id `<id>~k`, a new session `<session>~k`, and its dates moved
 * by a shift of its own within the window (wrapped, so copies stay in the loaded window of days),
 * with every hash key computed from the new business keys as the loader computes them
 * (hashKey of customer and keys), links included. Visitors, pages, sites and keys are the loaded
 * ones (they recur across days). Two shortcuts, which change sizes and plans nothing: the event
 * satellite's hash_diff is the loaded one's hashed with k (the loader's is over the attributes, dates
 * included), and the raw payload keeps the loaded record's dates (only its event_id is rewritten).
 */
export class ScaleVault {
  private prepared = false;

  constructor(
    private readonly db: Client,
    private readonly windowDays: number,
    private readonly now: Date,
  ) {}

  private async prepare(): Promise<void> {
    if (this.prepared) return;
    this.prepared = true;
    await this.db.query(`CREATE TEMP TABLE scale_tenants AS SELECT DISTINCT tenant_hk, customer_id FROM ${RAW_EVENTS.table}`);
    // The move of a date of copy k: spread by the golden ratio (any first n copies cover the window evenly), wrapped into the window.
    await this.db.query(`CREATE FUNCTION pg_temp.scale_shift(at timestamptz, k integer) RETURNS interval LANGUAGE sql IMMUTABLE AS $$
      SELECT make_interval(secs => -(mod((extract(epoch FROM (timestamptz '${this.now.toISOString()}' - at)) + (k * 0.6180339887498949 - floor(k * 0.6180339887498949)) * ${this.windowDays * DAY_SECONDS})::numeric, ${this.windowDays * DAY_SECONDS}) - extract(epoch FROM (timestamptz '${this.now.toISOString()}' - at)))::double precision)
    $$`);
  }

  /** Adds copies `from` to `to - 1` of every loaded event; returns the statements' rows per table. */
  async addCopies(from: number, to: number): Promise<Record<string, number>> {
    await this.prepare();
    await this.db.query(`DROP TABLE IF EXISTS scale_copies; CREATE TEMP TABLE scale_copies AS SELECT k FROM generate_series(${from}, ${to - 1}) k`);
    const inserted: Record<string, number> = {};
    const run = async (table: string, sql: string) => {
      inserted[table] = (inserted[table] ?? 0) + ((await this.db.query(sql)).rowCount ?? 0);
    };
    const shift = (column: string) => `${column} + pg_temp.scale_shift(x.load_date, c.k)`;
    const columns = (spec: TableSpec, replaced: Record<string, string>) => spec.columns.map((column) => replaced[column.name] ?? `x.${column.name}`).join(', ');
    const insert = (spec: TableSpec, replaced: Record<string, string>, from: string, where: string) =>
      `INSERT INTO ${spec.table} SELECT ${columns(spec, replaced)} FROM ${from} CROSS JOIN scale_copies c WHERE ${where} ON CONFLICT DO NOTHING`;

    await run(RAW_EVENTS.table, insert(RAW_EVENTS, {
      event_id: copied('x.event_id'),
      load_date: shift('x.load_date'),
      raw_payload: `jsonb_set(x.raw_payload, '{event_id}', to_jsonb(${copied('x.event_id')}))`,
    }, `${RAW_EVENTS.table} x`, loaded('x.event_id')));
    await run(STAGED_EVENTS.table, insert(STAGED_EVENTS, {
      event_id: copied('x.event_id'),
      load_date: shift('x.load_date'),
      occurred_at: shift('x.occurred_at'),
      session_id: `CASE WHEN x.session_id IS NULL THEN NULL ELSE ${copied('x.session_id')} END`,
    }, `${STAGED_EVENTS.table} x`, loaded('x.event_id')));
    await run(QUALITY_LOG.table, insert(QUALITY_LOG, { event_id: copied('x.event_id'), load_date: shift('x.load_date') }, `${QUALITY_LOG.table} x`, loaded('x.event_id')));

    const withCustomer = (table: string) => `${table} x JOIN scale_tenants t ON t.tenant_hk = x.tenant_hk`;
    await run(HUBS.event.table, insert(HUBS.event, {
      event_hk: hashKey('t.customer_id', copied('x.event_bk')),
      event_bk: copied('x.event_bk'),
      load_date: shift('x.load_date'),
    }, withCustomer(HUBS.event.table), loaded('x.event_bk')));
    await run(HUBS.session.table, insert(HUBS.session, {
      session_hk: hashKey('t.customer_id', copied('x.session_bk')),
      session_bk: copied('x.session_bk'),
      load_date: shift('x.load_date'),
    }, withCustomer(HUBS.session.table), `${loaded('x.session_bk')} AND x.session_hk <> ${GHOST}`));

    // Satellites of copied keys: the key from the hub's business key.
    await run(SATELLITES.event.table, insert(SATELLITES.event, {
      event_hk: hashKey('t.customer_id', copied('h.event_bk')),
      load_date: shift('x.load_date'),
      occurred_at: shift('x.occurred_at'),
      received_at: shift('x.received_at'),
      hash_diff: `sha256(x.hash_diff || convert_to(c.k::text, 'UTF8'))`,
    }, `${withCustomer(SATELLITES.event.table)} JOIN ${HUBS.event.table} h ON h.event_hk = x.event_hk`, loaded('h.event_bk')));
    await run(SATELLITES.session.table, insert(SATELLITES.session, {
      session_hk: hashKey('t.customer_id', copied('h.session_bk')),
      load_date: shift('x.load_date'),
    }, `${withCustomer(SATELLITES.session.table)} JOIN ${HUBS.session.table} h ON h.session_hk = x.session_hk`, loaded('h.session_bk')));

    // Links that name an event or a session: new keys on those sides, the link's key from both business keys (the ghost's is empty).
    const hubs = [HUBS.event, HUBS.session, HUBS.visitor, HUBS.page, HUBS.item, HUBS.site];
    const renamed = new Set<TableSpec>([HUBS.event, HUBS.session]);
    for (const link of [LINKS.eventSession, LINKS.eventPage, LINKS.eventVisitor, LINKS.eventItem, LINKS.eventSite, LINKS.sessionVisitor, LINKS.sessionSite]) {
      const [linkHk, leftHk, rightHk] = link.columns.map((column) => column.name) as [string, string, string];
      const hubOf = (hk: string) => hubs.find((hub) => hub.key[0] === hk) as TableSpec;
      const side = (hk: string, alias: string) => {
        const hub = hubOf(hk);
        const bk = `${alias}.${hub.columns[1]?.name}`;
        const key = renamed.has(hub) ? copied(bk) : bk;
        return {
          join: `JOIN ${hub.table} ${alias} ON ${alias}.${hk} = x.${hk}`,
          bk: `CASE WHEN x.${hk} = ${GHOST} THEN '' ELSE ${key} END`,
          hk: renamed.has(hub) ? `CASE WHEN x.${hk} = ${GHOST} THEN ${GHOST} ELSE ${hashKey('t.customer_id', key)} END` : `x.${hk}`,
          seed: renamed.has(hub) ? loaded(bk) : 'true',
        };
      };
      const left = side(leftHk, 'l');
      const right = side(rightHk, 'r');
      await run(link.table, insert(link, {
        [linkHk]: hashKey('t.customer_id', left.bk, right.bk),
        [leftHk]: left.hk,
        [rightHk]: right.hk,
        load_date: shift('x.load_date'),
      }, `${withCustomer(link.table)} ${left.join} ${right.join}`, `${left.seed} AND ${right.seed}`));
    }
    return inserted;
  }

  /** The rollups and distinct sketches recomputed from the staging layer (what the loader keeps them equal to). */
  async rebuildRollups(): Promise<void> {
    const valid = `validation_status <> 'INVALID'`;
    const sources: Record<string, { where: string; period: string }> = {
      'rollup.daily_events': { where: valid, period: `(occurred_at AT TIME ZONE 'UTC')::date` },
      'rollup.hourly_events': { where: 'true', period: `date_trunc('hour', occurred_at, 'UTC')` },
      'rollup.hourly_quality': { where: 'true', period: `date_trunc('hour', load_date, 'UTC')` },
      'rollup.hourly_issues': { where: 'true', period: `date_trunc('hour', load_date, 'UTC')` },
    };
    await this.db.query(`TRUNCATE ${ROLLUP_TABLES.map((rollup) => rollup.table).join(', ')}`);
    for (const rollup of ROLLUP_TABLES) {
      const source = sources[rollup.table];
      if (!source) throw new Error(`no recount for ${rollup.table}`);
      const grain = rollup.columns.map((column) => column.name).filter((name) => name !== 'events' && name !== 'quality_score_sum');
      const expressions = grain.map((name) => (name === 'day' || name === 'hour' ? source.period : name));
      const measures = rollup.columns.some((column) => column.name === 'quality_score_sum') ? ['count(*)', 'sum(quality_score)'] : ['count(*)'];
      const from = rollup.table === 'rollup.hourly_issues' ? QUALITY_LOG.table : STAGED_EVENTS.table;
      await this.db.query(
        `INSERT INTO ${rollup.table} (${[...grain, ...(measures.length > 1 ? ['events', 'quality_score_sum'] : ['events'])].join(', ')})
         SELECT ${[...expressions, ...measures].join(', ')} FROM ${from} WHERE ${source.where} GROUP BY ${expressions.map((_, index) => index + 1).join(', ')}`,
      );
    }
    // The distinct sketches: each grain's members (visitor or session ids) through the migration's rollup.sketch_add.
    const members: Record<string, string> = { visitors: 'visitor_id', sessions: 'session_id' };
    await this.db.query(`TRUNCATE ${SKETCH_TABLES.map((sketch) => sketch.table).join(', ')}`);
    for (const sketch of SKETCH_TABLES) {
      const names = sketch.columns.map((column) => column.name);
      const measure = names.find((name) => members[name]) ?? '';
      const member = members[measure];
      if (!member) throw new Error(`no member for ${sketch.table}`);
      const grain = names.filter((name) => name !== measure);
      const expressions = grain.map((name) => (name === 'day' ? `(occurred_at AT TIME ZONE 'UTC')::date` : name));
      await this.db.query(
        `INSERT INTO ${sketch.table} (${[...grain, measure].join(', ')})
         SELECT ${expressions.join(', ')}, rollup.sketch_add(NULL, array_agg(hashtextextended(${member}, 0))) FROM ${STAGED_EVENTS.table}
          WHERE ${valid} AND ${member} IS NOT NULL GROUP BY ${expressions.map((_, index) => index + 1).join(', ')}`,
      );
    }
    // The per-dimension rollups (migration DimensionRollups): each validated event once in each dimension it has a value of.
    const pageView = `event_type = 'page_view'`;
    const page = `${pageView} AND page_host IS NOT NULL AND page_path IS NOT NULL`;
    const referrer = `${pageView} AND referrer_domain IS NOT NULL`;
    const utm = ['utm_source', 'utm_medium', 'utm_campaign'];
    const when = (condition: string, dimension: string) => `CASE WHEN ${condition} THEN '${dimension}' END`;
    const day = `(occurred_at AT TIME ZONE 'UTC')::date`;
    await this.db.query(`TRUNCATE ${DIMENSION_TABLES.map((table) => table.table).join(', ')}`);
    await this.db.query(
      `INSERT INTO ${DAILY_DIMENSIONS.table} (tenant_hk, day, site_id, dimension, value_1, value_2, events)
       SELECT tenant_hk, ${day}, site_id, k.dimension, k.value_1, k.value_2, count(*) FROM ${STAGED_EVENTS.table} CROSS JOIN LATERAL (VALUES
         ('event', event_type, event_name), (${when(page, 'page')}, page_host, page_path), (${when(referrer, 'referrer')}, referrer_domain, NULL),
         ${utm.map((column) => `(${when(`${column} IS NOT NULL`, column)}, ${column}, NULL)`).join(', ')}) AS k(dimension, value_1, value_2)
        WHERE ${valid} AND k.dimension IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6`,
    );
    await this.db.query(
      `INSERT INTO ${DAILY_DIMENSION_SKETCHES.table} (tenant_hk, day, site_id, dimension, value_1, value_2, members)
       SELECT tenant_hk, ${day}, site_id, k.dimension, k.value_1, k.value_2, rollup.sketch_add(NULL, array_agg(hashtextextended(k.member, 0)))
         FROM ${STAGED_EVENTS.table} CROSS JOIN LATERAL (VALUES
         ('visitors', NULL, NULL, visitor_id), (${when(page, 'visitors_page')}, page_host, page_path, visitor_id), ('visitors_event', event_type, event_name, visitor_id),
         (${when(referrer, 'visitors_referrer')}, referrer_domain, NULL, visitor_id), ('sessions', NULL, NULL, session_id),
         ${utm.map((column) => `(${when(`${column} IS NOT NULL`, `sessions_${column}`)}, ${column}, NULL, session_id)`).join(', ')}) AS k(dimension, value_1, value_2, member)
        WHERE ${valid} AND k.member IS NOT NULL AND k.dimension IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6`,
    );
  }
}

/** Bytes on disk per table (partitions summed into their table, indexes and TOAST included) and the staged events they hold. */
export async function vaultBytes(db: Client): Promise<{ events: number; total: number; tables: Array<[string, number]> }> {
  const { rows } = await db.query<{ name: string; bytes: string }>(
    `SELECT COALESCE(p.inhparent::regclass::text, c.oid::regclass::text) AS name, sum(pg_total_relation_size(c.oid))::bigint AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_inherits p ON p.inhrelid = c.oid
      WHERE c.relkind = 'r' AND n.nspname IN ('raw', 'staging', 'business', 'audit', 'rollup')
      GROUP BY 1 ORDER BY 2 DESC`,
  );
  const events = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${STAGED_EVENTS.table}`)).rows[0]?.n ?? 0);
  const tables = rows.map((row): [string, number] => [row.name, Number(row.bytes)]);
  return { events, total: tables.reduce((sum, [, bytes]) => sum + bytes, 0), tables };
}
