import { VAULT_TABLES, type ColumnType, type TableSpec } from '@tracking/vault-schema';
import { stagingType } from './copy-binary';

const list = (names: readonly string[]): string => names.join(', ');
const slot = (index: number): string => `c${index + 1}`;

/**
 * Vault tables whose columns have the same staging types in the same order: all hubs, all links, and
 * the small satellites. A group's rows of a batch go in one binary COPY (copy-binary.ts) into one
 * temporary table partitioned by table, so a batch costs about eight COPYs, two round trips each,
 * instead of one per table; each load statement still reads only its own table's rows (its partition).
 * The columns are positional (c1, c2, ...) and typed as the vault's (see stagingType: a type not sent
 * in binary is text there, cast by the load statement), then `ord`, the row's place among its table's
 * rows, and `tbl`, the table.
 */
export interface StagingGroup {
  table: string;
  types: readonly ColumnType[];
  members: readonly TableSpec[];
  /** The binary COPY of the group's rows: its columns, then `ord` and `tbl`. */
  copy: string;
}

export const STAGING_GROUPS: readonly StagingGroup[] = (() => {
  const bySignature = new Map<string, TableSpec[]>();
  for (const spec of VAULT_TABLES) {
    const signature = spec.columns.map((column) => stagingType(column.type)).join(',');
    bySignature.set(signature, [...(bySignature.get(signature) ?? []), spec]);
  }
  return [...bySignature.values()].map((members, index) => {
    const table = `load_group_${index + 1}`;
    const types = (members[0] as TableSpec).columns.map((column) => stagingType(column.type));
    return { table, types, members, copy: `COPY ${table} (${list([...types.map((_, i) => slot(i)), 'ord', 'tbl'])}) FROM STDIN (FORMAT binary)` };
  });
})();

/** A vault table's number in `tbl`, and its partition of its group's staging table. */
export const stagingTableId = (spec: TableSpec): number => VAULT_TABLES.indexOf(spec) + 1;
export const stagingTable = (spec: TableSpec): string => `load_rows_${stagingTableId(spec)}`;

/**
 * Emptied at every commit (and by a rollback), so each transaction starts from empty staging tables;
 * ON COMMIT does not reach a partitioned table's partitions, so each partition says it.
 * IF NOT EXISTS: a session keeps its tables, but those created in a transaction that rolled back are gone.
 */
export const CREATE_STAGING_TABLES = STAGING_GROUPS.flatMap((group) => [
  `CREATE TEMP TABLE IF NOT EXISTS ${group.table} (${list([...group.types.map((type, i) => `${slot(i)} ${type}`), 'ord integer', 'tbl smallint'])}) PARTITION BY LIST (tbl)`,
  ...group.members.map((spec) => `CREATE TEMP TABLE IF NOT EXISTS ${stagingTable(spec)} PARTITION OF ${group.table} FOR VALUES IN (${stagingTableId(spec)}) ON COMMIT DELETE ROWS`),
]).join(';\n');

/** The batch's rows of `spec`, typed and named as its columns. */
function staged(spec: TableSpec): string {
  const columns = spec.columns.map((column, i) => (stagingType(column.type) === column.type ? `${slot(i)} AS ${column.name}` : `${slot(i)}::${column.type} AS ${column.name}`));
  return `(SELECT ${list([...columns, 'ord'])} FROM ${stagingTable(spec)}) AS i`;
}

/**
 * The load SQL, generated from the table declarations: one set-based statement per table and batch
 * from the staging table (constant statement text, any batch size). A snapshot test keeps the
 * generated text in front of reviewers.
 */
export function loadStatement(spec: TableSpec): string {
  const columns = list(spec.columns.map((column) => column.name));
  const key = list(spec.key);
  switch (spec.strategy) {
    case 'insert-once':
      if (spec.partitioned) {
        const stored = spec.key.map((column) => `s.${column} = i.${column}`).join(' AND ');
        return [
          `INSERT INTO ${spec.table} (${columns})`,
          // One row per natural key in the batch (its first), and none whose key is stored in any month:
          // the unique index holds load_date too (the partition key), so it alone would let a record
          // carrying the key under another load date in. Each partition's unique index answers the probe.
          `SELECT DISTINCT ON (${key}) ${columns} FROM ${staged(spec)}`,
          `WHERE NOT EXISTS (SELECT 1 FROM ${spec.table} s WHERE ${stored})`,
          `ORDER BY ${key}, ord`,
          // A replayed record carries the same key and load date: it inserts nothing.
          `ON CONFLICT (${key}, load_date) DO NOTHING`,
        ].join('\n');
      }
      return [
        `INSERT INTO ${spec.table} (${columns})`,
        `SELECT ${columns} FROM ${staged(spec)}`,
        // A replayed or duplicated record carries the same natural key: it inserts nothing.
        `ON CONFLICT (${key}) DO NOTHING`,
      ].join('\n');
    case 'earliest-wins':
      return [
        `INSERT INTO ${spec.table} AS t (${columns})`,
        `SELECT DISTINCT ON (${key}) ${columns} FROM ${staged(spec)}`,
        `ORDER BY ${key}, load_date, record_source`,
        // One row per key ever. Its load_date and record_source are those of the earliest record that
        // carried the key, so the rows do not depend on the order partitions are read in a replay.
        `ON CONFLICT (${key}) DO UPDATE SET load_date = EXCLUDED.load_date, record_source = EXCLUDED.record_source`,
        `WHERE (EXCLUDED.load_date, EXCLUDED.record_source) < (t.load_date, t.record_source)`,
      ].join('\n');
    case 'on-change': {
      const hk = spec.key[0];
      return [
        `WITH incoming AS (SELECT * FROM ${staged(spec)}),`,
        // The row before each incoming one: the previous one in this batch, or the latest stored row at
        // or before its load_date, whichever is later. Same key and same source only: each partition
        // is a source, read in one fixed order, so change detection gives the same rows in any replay.
        `ordered AS (SELECT incoming.*, lag(hash_diff) OVER w AS previous_hash, lag(load_date) OVER w AS previous_load FROM incoming`,
        `  WINDOW w AS (PARTITION BY ${hk}, record_source ORDER BY load_date, ord)),`,
        `compared AS (SELECT o.*, s.hash_diff AS stored_hash, s.load_date AS stored_load FROM ordered o`,
        `  LEFT JOIN LATERAL (SELECT hash_diff, load_date FROM ${spec.table}`,
        `    WHERE ${hk} = o.${hk} AND record_source = o.record_source AND load_date <= o.load_date`,
        `    ORDER BY load_date DESC LIMIT 1) s ON true)`,
        `INSERT INTO ${spec.table} (${columns})`,
        `SELECT ${columns} FROM compared`,
        `WHERE hash_diff IS DISTINCT FROM CASE`,
        `  WHEN previous_load IS NOT NULL AND (stored_load IS NULL OR previous_load >= stored_load) THEN previous_hash`,
        `  ELSE stored_hash END`,
        `ON CONFLICT (${key}) DO NOTHING`,
      ].join('\n');
    }
  }
}
