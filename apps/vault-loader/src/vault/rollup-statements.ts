import { DAILY_DIMENSION_SKETCHES, DAILY_DIMENSIONS, DAILY_EVENTS, DAILY_SESSION_SKETCHES, DAILY_VISITOR_SKETCHES, HOURLY_EVENTS, HOURLY_ISSUES, HOURLY_QUALITY, QUALITY_LOG, STAGED_EVENTS, col, relation, type Relation } from '@tracking/vault-schema';

/**
 * Rollup maintenance, as SQL generated from one declaration per rollup. Whatever changes the staging
 * layer writes the rows it changed into a delta table, each with a sign: +1 for a row the load
 * actually inserted (RETURNING of its ON CONFLICT DO NOTHING insert, so a replayed record adds
 * nothing), -1 for a row the retention purge deleted, -1 and +1 for a row before and after an
 * erasure. The rollups then add the delta's sums in the same transaction: exact, and no rollup ever
 * reads more than the rows that changed.
 */
export const EVENT_DELTA = 'rollup_event_delta';
export const ISSUE_DELTA = 'rollup_issue_delta';

const s = STAGED_EVENTS.column;
/** The staging columns the rollups are computed from, named as in staging.site_events. */
export const EVENT_DELTA_COLUMNS = [
  s.tenant_hk, s.occurred_at, s.load_date, s.event_type, s.event_name, s.page_host, s.page_path, s.referrer_domain,
  s.utm_source, s.utm_medium, s.utm_campaign, s.session_id, s.visitor_id, s.validation_status, s.quality_score, s.site_id,
] as const;
const q = QUALITY_LOG.column;
export const ISSUE_DELTA_COLUMNS = [q.tenant_hk, q.load_date, q.check_name, q.severity, q.site_id] as const;

const typeOf = (relation: Relation, name: string): string => relation.columns.find((column) => column.name === name)?.type ?? 'text';
const deltaTable = (name: string, source: Relation, columns: readonly string[]): string =>
  `CREATE TEMP TABLE IF NOT EXISTS ${name} (${[...columns.map((column) => `${column} ${typeOf(source, column)}`), 'sign integer NOT NULL'].join(', ')}) ON COMMIT DELETE ROWS`;

/** Emptied at every commit, like the load's staging table: each transaction starts from empty deltas. */
export const CREATE_DELTA_TABLES = [deltaTable(EVENT_DELTA, STAGED_EVENTS, EVENT_DELTA_COLUMNS), deltaTable(ISSUE_DELTA, QUALITY_LOG, ISSUE_DELTA_COLUMNS)].join(';\n');

/** An insert-once load statement that also records each row it inserted (+1) in the delta; its row count is still the rows inserted. */
export function capturingInserted(loadStatement: string, spec: Relation): string {
  const [delta, columns] = spec.table === STAGED_EVENTS.table ? [EVENT_DELTA, EVENT_DELTA_COLUMNS] : [ISSUE_DELTA, ISSUE_DELTA_COLUMNS];
  const list = columns.join(', ');
  return `WITH inserted AS (\n${loadStatement}\nRETURNING ${list})\nINSERT INTO ${delta} (${list}, sign) SELECT ${list}, 1 FROM inserted`;
}

/** Rows of `source` (staging rows, or a DELETE ... RETURNING of them) into the event delta with `sign`. */
export const eventDelta = (source: string, sign: 1 | -1): string =>
  `INSERT INTO ${EVENT_DELTA} (${EVENT_DELTA_COLUMNS.join(', ')}, sign) SELECT ${EVENT_DELTA_COLUMNS.join(', ')}, ${sign} FROM ${source}`;
export const issueDelta = (source: string, sign: 1 | -1): string =>
  `INSERT INTO ${ISSUE_DELTA} (${ISSUE_DELTA_COLUMNS.join(', ')}, sign) SELECT ${ISSUE_DELTA_COLUMNS.join(', ')}, ${sign} FROM ${source}`;

const DAY = `(occurred_at AT TIME ZONE 'UTC')::date`;
const hourOf = (column: string): string => `date_trunc('hour', ${column}, 'UTC')`;
const VALID = `validation_status <> 'INVALID'`;

interface RollupSpec {
  rollup: Relation;
  delta: string;
  where?: string;
  /** Grain columns with the expression over the delta that fills each, the period (day or hour) second. */
  keys: ReadonlyArray<[column: string, expression: string]>;
  /** Additive measures: sums of signed values. */
  measures: ReadonlyArray<[column: string, expression: string]>;
  /** Joined to each source row (CROSS JOIN LATERAL): rows of a per-dimension rollup, several per source row. */
  lateral?: string;
}

const dims = (...names: string[]): Array<[string, string]> => names.map((name) => [name, name]);
/** Every rollup's third grain column (after tenant and period): a site filter or grouping reads the same rows. */
const SITE: [string, string] = ['site_id', 'site_id'];
const counted: Array<[string, string]> = [['events', 'sum(sign)']];

const ROLLUPS: readonly RollupSpec[] = [
  {
    rollup: DAILY_EVENTS,
    delta: EVENT_DELTA,
    where: VALID,
    keys: [['tenant_hk', 'tenant_hk'], ['day', DAY], SITE, ...dims('event_type', 'event_name', 'page_host', 'page_path', 'referrer_domain', 'utm_source', 'utm_medium', 'utm_campaign')],
    measures: counted,
  },
  { rollup: HOURLY_EVENTS, delta: EVENT_DELTA, keys: [['tenant_hk', 'tenant_hk'], ['hour', hourOf('occurred_at')], SITE, ['event_type', 'event_type']], measures: counted },
  {
    rollup: HOURLY_QUALITY,
    delta: EVENT_DELTA,
    keys: [['tenant_hk', 'tenant_hk'], ['hour', hourOf('load_date')], SITE, ['validation_status', 'validation_status']],
    measures: [...counted, ['quality_score_sum', 'sum(sign * quality_score)']],
  },
  {
    rollup: HOURLY_ISSUES,
    delta: ISSUE_DELTA,
    keys: [['tenant_hk', 'tenant_hk'], ['hour', hourOf('load_date')], SITE, ['check_name', 'check_name'], ['severity', 'severity']],
    measures: counted,
  },
];

const PAGE_VIEW = `event_type = 'page_view'`;
/** A dimension only where the source row has a value of it (NULL otherwise: no row). */
const having = (dimension: string, condition: string): string => `CASE WHEN ${condition} THEN '${dimension}' END`;
const DIMENSION_KEYS: Array<[string, string]> = [['tenant_hk', 'tenant_hk'], ['day', DAY], SITE, ['dimension', 'k.dimension'], ['value_1', 'k.value_1'], ['value_2', 'k.value_2']];

/**
 * The daily per-dimension counts (DAILY_DIMENSIONS): each validated source row counted once in each
 * dimension it has a value of, kept from the same signed deltas as the other rollups.
 */
const DIMENSION_ROLLUPS: readonly RollupSpec[] = [
  {
    rollup: DAILY_DIMENSIONS,
    delta: EVENT_DELTA,
    where: `${VALID} AND k.dimension IS NOT NULL`,
    keys: DIMENSION_KEYS,
    measures: counted,
    lateral: [
      'CROSS JOIN LATERAL (VALUES',
      `  ('event', event_type, event_name),`,
      `  (${having('page', `${PAGE_VIEW} AND page_host IS NOT NULL AND page_path IS NOT NULL`)}, page_host, page_path),`,
      `  (${having('referrer', `${PAGE_VIEW} AND referrer_domain IS NOT NULL`)}, referrer_domain, NULL),`,
      ...['utm_source', 'utm_medium', 'utm_campaign'].map((utm, index) => `  (${having(utm, `${utm} IS NOT NULL`)}, ${utm}, NULL)${index < 2 ? ',' : ''}`),
      ') AS k(dimension, value_1, value_2)',
    ].join('\n'),
  },
];

/**
 * The exact daily member sets (a row per visitor or session, day and grain) the read API counted
 * unique visitors and sessions from before the distinct sketches; dropped by migration
 * DropMemberSets. Only the migrations that created, re-keyed and (down) refill them use these.
 */
const memberSet = (table: string, member: 'visitor_id' | 'session_id', dimensions: readonly string[]): Relation =>
  relation(table, [col('tenant_hk', 'bytea'), col('day', 'date'), ...dimensions.map((name) => col(name, 'text')), col(member, 'text'), col('events', 'bigint'), col('site_id', 'text')]);
const memberSetSpec = (table: string, member: 'visitor_id' | 'session_id', dimensions: readonly string[]): RollupSpec => ({
  rollup: memberSet(table, member, dimensions),
  delta: EVENT_DELTA,
  where: `${VALID} AND ${member} IS NOT NULL`,
  keys: [['tenant_hk', 'tenant_hk'], ['day', DAY], SITE, ...dims(...dimensions, member)],
  measures: counted,
});
const MEMBER_SETS: readonly RollupSpec[] = [
  memberSetSpec('rollup.daily_visitors', 'visitor_id', ['event_type', 'event_name', 'page_host', 'page_path', 'referrer_domain']),
  memberSetSpec('rollup.daily_sessions', 'session_id', ['event_type', 'event_name', 'page_host', 'page_path', 'utm_source', 'utm_medium', 'utm_campaign']),
];
/** The rollups migrations Rollups and Sites made and re-keyed, in their order (the member sets second and third). */
const WITH_MEMBER_SETS: readonly RollupSpec[] = [...ROLLUPS.slice(0, 1), ...MEMBER_SETS, ...ROLLUPS.slice(1)];

/**
 * The rollups as migration Rollups created them, before sites: no site_id in the grain, and a staging
 * layer without the column. That migration runs on every fresh database before migration Sites adds
 * the column, so it must keep generating exactly this.
 */
const BEFORE_SITES: readonly RollupSpec[] = WITH_MEMBER_SETS.map((spec) => ({ ...spec, keys: spec.keys.filter((key) => key !== SITE) }));
const withoutSite = (columns: readonly string[]): string[] => columns.filter((column) => column !== s.site_id);

/** The grain of each rollup: its unique key (NULLS NOT DISTINCT: a missing referrer is a value of its own). */
export const rollupKeys = (rollup: Relation, era: 'current' | 'before-sites' = 'current'): string[] =>
  (era === 'current' ? [...WITH_MEMBER_SETS, ...DIMENSION_ROLLUPS] : BEFORE_SITES).find((spec) => spec.rollup === rollup)?.keys.map(([column]) => column) ?? [];
export const ROLLED_UP = ROLLUPS.map((spec) => spec.rollup);
export const ROLLED_UP_WITH_MEMBER_SETS = WITH_MEMBER_SETS.map((spec) => spec.rollup);
export const MEMBER_SET_ROLLUPS = MEMBER_SETS.map((spec) => spec.rollup);

function applyStatement({ rollup, delta, where, keys, measures, lateral }: RollupSpec, source = delta): string {
  const positions = keys.map((_, index) => index + 1).join(', ');
  return [
    `INSERT INTO ${rollup.table} AS r (${[...keys, ...measures].map(([column]) => column).join(', ')})`,
    `SELECT ${[...keys, ...measures].map(([column, expression]) => (expression === column ? column : `${expression} AS ${column}`)).join(', ')}`,
    `FROM ${source}${lateral ? ` ${lateral}` : ''}${where ? ` WHERE ${where}` : ''}`,
    // Grain order: concurrent loads lock the rows they add to in one order, so they wait instead of deadlocking.
    `GROUP BY ${positions} HAVING sum(sign) <> 0 ORDER BY ${positions}`,
    `ON CONFLICT (${keys.map(([column]) => column).join(', ')}) DO UPDATE SET ${measures.map(([column]) => `${column} = r.${column} + EXCLUDED.${column}`).join(', ')}`,
  ].join('\n');
}

/** Removes the rows a subtraction took to zero, looking only at the tenants and periods the delta touched. */
function clearStatement({ rollup, delta, keys }: RollupSpec): string {
  const [period, expression] = keys[1] ?? ['day', DAY];
  return [
    `DELETE FROM ${rollup.table} r USING (SELECT DISTINCT tenant_hk, ${expression} AS period FROM ${delta} WHERE sign < 0) d`,
    `WHERE r.tenant_hk = d.tenant_hk AND r.${period} = d.period AND r.events = 0`,
  ].join('\n');
}

/**
 * A daily distinct sketch (libs/vault-schema distinct-sketch.ts) of `member` per grain: its unique
 * visitors or sessions, at a read cost of days × grains. Sketches only grow: a load unions in the
 * members it inserted, and a subtraction (erasure, retention, site backfill) recounts each tenant-day
 * it touched from the staging layer as the transaction leaves it.
 */
interface SketchSpec {
  sketch: Relation;
  column: string;
  member: string;
  keys: ReadonlyArray<[column: string, expression: string]>;
  /** As RollupSpec's: several sketch rows per source row, `member` then names a column of it. */
  lateral?: string;
  where?: string;
}

const SKETCHES: readonly SketchSpec[] = [
  {
    sketch: DAILY_VISITOR_SKETCHES,
    column: DAILY_VISITOR_SKETCHES.column.visitors,
    member: s.visitor_id,
    keys: [['tenant_hk', 'tenant_hk'], ['day', DAY], SITE, ...dims('event_type', 'event_name', 'page_host', 'page_path', 'referrer_domain')],
  },
  {
    sketch: DAILY_SESSION_SKETCHES,
    column: DAILY_SESSION_SKETCHES.column.sessions,
    member: s.session_id,
    keys: [['tenant_hk', 'tenant_hk'], ['day', DAY], SITE, ...dims('event_type', 'event_name', 'page_host', 'page_path', 'utm_source', 'utm_medium', 'utm_campaign')],
  },
];

/** The per-dimension sketches (DAILY_DIMENSION_SKETCHES): visitor ids per day, page, event and referrer; session ids per day and UTM value. */
const DIMENSION_SKETCHES: readonly SketchSpec[] = [
  {
    sketch: DAILY_DIMENSION_SKETCHES,
    column: DAILY_DIMENSION_SKETCHES.column.members,
    member: 'k.member',
    keys: DIMENSION_KEYS,
    where: 'k.dimension IS NOT NULL',
    lateral: [
      'CROSS JOIN LATERAL (VALUES',
      `  ('visitors', NULL, NULL, ${s.visitor_id}),`,
      `  (${having('visitors_page', `${PAGE_VIEW} AND page_host IS NOT NULL AND page_path IS NOT NULL`)}, page_host, page_path, ${s.visitor_id}),`,
      `  ('visitors_event', event_type, event_name, ${s.visitor_id}),`,
      `  (${having('visitors_referrer', `${PAGE_VIEW} AND referrer_domain IS NOT NULL`)}, referrer_domain, NULL, ${s.visitor_id}),`,
      `  ('sessions', NULL, NULL, ${s.session_id}),`,
      ...['utm_source', 'utm_medium', 'utm_campaign'].map((utm, index) => `  (${having(`sessions_${utm}`, `${utm} IS NOT NULL`)}, ${utm}, NULL, ${s.session_id})${index < 2 ? ',' : ''}`),
      ') AS k(dimension, value_1, value_2, member)',
    ].join('\n'),
  },
];

/** The sketch of each grain's members among `source`'s rows (staging columns), in grain order. */
function sketchRows({ column, member, keys, lateral, where: own }: SketchSpec, source: string, where?: string): string {
  const positions = keys.map((_, index) => index + 1).join(', ');
  return [
    `SELECT ${keys.map(([key, expression]) => (expression === key ? key : `${expression} AS ${key}`)).join(', ')}, rollup.sketch_add(NULL, array_agg(hashtextextended(${member}, 0))) AS ${column}`,
    `FROM ${source}${lateral ? ` ${lateral}` : ''} WHERE ${VALID} AND ${member} IS NOT NULL${own ? ` AND ${own}` : ''}${where ? ` AND ${where}` : ''}`,
    `GROUP BY ${positions} ORDER BY ${positions}`,
  ].join('\n');
}

const sketchInsert = ({ sketch, column, keys }: SketchSpec): string => `INSERT INTO ${sketch.table} AS r (${[...keys.map(([key]) => key), column].join(', ')})`;

/** Members unioned into a grain's sketch (a load's, or a recount's into a row a loader just added). */
const sketchUnion = (spec: SketchSpec): string =>
  `ON CONFLICT (${spec.keys.map(([key]) => key).join(', ')}) DO UPDATE SET ${spec.column} = rollup.sketch_union(r.${spec.column}, EXCLUDED.${spec.column})`;

/** The members a load inserted (+1 rows of the delta), unioned into their grains' sketches. */
const sketchApply = (spec: SketchSpec): string => [sketchInsert(spec), sketchRows(spec, EVENT_DELTA, 'sign > 0'), sketchUnion(spec)].join('\n');

/** The tenant-days a subtraction touched, as (t, d). */
const TOUCHED_DAYS = `(SELECT DISTINCT tenant_hk AS t, ${DAY} AS d FROM ${EVENT_DELTA} WHERE sign < 0) touched`;

/**
 * Every sketch of a touched tenant-day dropped, then made again from the staging rows of that day.
 * A loader may add a row of such a day between the two statements (a grain the day did not have): it
 * holds only members it loaded, so the recount unions into it rather than failing on it.
 */
const sketchRecount = (spec: SketchSpec): string[] => [
  `DELETE FROM ${spec.sketch.table} r USING ${TOUCHED_DAYS} WHERE r.tenant_hk = touched.t AND r.day = touched.d`,
  [
    sketchInsert(spec),
    sketchRows(
      spec,
      `(SELECT e.* FROM ${TOUCHED_DAYS} JOIN ${STAGED_EVENTS.table} e ON e.${s.tenant_hk} = touched.t
         AND e.${s.occurred_at} >= touched.d::timestamp AT TIME ZONE 'UTC' AND e.${s.occurred_at} < (touched.d + 1)::timestamp AT TIME ZONE 'UTC') AS stored`,
    ),
    sketchUnion(spec),
  ].join('\n'),
];

/** The grain of each sketch rollup: its unique key (NULLS NOT DISTINCT, as the rollups'). */
export const sketchKeys = (sketch: Relation): string[] => [...SKETCHES, ...DIMENSION_SKETCHES].find((spec) => spec.sketch === sketch)?.keys.map(([column]) => column) ?? [];

/** In one fixed order, after the deltas are written. */
export const APPLY_ROLLUPS: readonly string[] = [
  ...ROLLUPS.map((spec) => applyStatement(spec)),
  ...DIMENSION_ROLLUPS.map((spec) => applyStatement(spec)),
  ...SKETCHES.map(sketchApply),
  ...DIMENSION_SKETCHES.map(sketchApply),
];
/** After APPLY_ROLLUPS when the deltas hold subtractions (erasure, retention). */
export const CLEAR_EMPTY_ROLLUPS: readonly string[] = [
  ...ROLLUPS.map((spec) => clearStatement(spec)),
  ...DIMENSION_ROLLUPS.map((spec) => clearStatement(spec)),
  ...SKETCHES.flatMap(sketchRecount),
  ...DIMENSION_SKETCHES.flatMap(sketchRecount),
];

/** The per-dimension rollups of a vault loaded before they existed, from every staging row (migration DimensionRollups). */
export const BACKFILL_DIMENSIONS: readonly string[] = [
  ...DIMENSION_ROLLUPS.map((spec) => applyStatement(spec, `(SELECT ${EVENT_DELTA_COLUMNS.join(', ')}, 1 AS sign FROM ${STAGED_EVENTS.table}) AS stored`)),
  ...DIMENSION_SKETCHES.map((spec) => [sketchInsert(spec), sketchRows(spec, STAGED_EVENTS.table)].join('\n')),
];
export const DIMENSION_ROLLED_UP = DIMENSION_ROLLUPS.map((spec) => spec.rollup);

/** The sketches of a vault loaded before they existed, from every staging row (migration DistinctSketches). */
export const BACKFILL_SKETCHES: readonly string[] = SKETCHES.map((spec) => [sketchInsert(spec), sketchRows(spec, STAGED_EVENTS.table)].join('\n'));

/** Rollups of a vault loaded before they existed: every staging row and quality finding counted once (migration Rollups, before sites). */
export const BACKFILL_ROLLUPS: readonly string[] = BEFORE_SITES.map((spec) => {
  const [table, columns] = spec.delta === EVENT_DELTA ? [STAGED_EVENTS.table, EVENT_DELTA_COLUMNS] : [QUALITY_LOG.table, ISSUE_DELTA_COLUMNS];
  return applyStatement(spec, `(SELECT ${withoutSite(columns).join(', ')}, 1 AS sign FROM ${table}) AS stored`);
});

/** The member sets counted again from every staging row, site included (migration DropMemberSets, down). */
export const BACKFILL_MEMBER_SETS: readonly string[] = MEMBER_SETS.map((spec) =>
  applyStatement(spec, `(SELECT ${EVENT_DELTA_COLUMNS.join(', ')}, 1 AS sign FROM ${STAGED_EVENTS.table}) AS stored`),
);
