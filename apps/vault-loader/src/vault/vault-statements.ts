import type { TableSpec } from '@tracking/vault-schema';

const list = (names: readonly string[]): string => names.join(', ');

/** The session's temporary table a batch's rows of `spec` are copied into: the target's columns and `ord`, the row's place in the batch. */
export function stagingTable(spec: TableSpec): string {
  return `load_${spec.table.replace('.', '__')}`;
}

/** Emptied at every commit (and by a rollback), so each transaction starts from empty staging tables. */
export function createStagingTable(spec: TableSpec): string {
  const columns = spec.columns.map((column) => `${column.name} ${column.type}`);
  return `CREATE TEMP TABLE IF NOT EXISTS ${stagingTable(spec)} (${list([...columns, 'ord bigint'])}) ON COMMIT DELETE ROWS`;
}

export function copyStatement(spec: TableSpec): string {
  return `COPY ${stagingTable(spec)} (${list([...spec.columns.map((column) => column.name), 'ord'])}) FROM STDIN`;
}

/**
 * The load SQL, generated from the table declarations: one set-based statement per table and batch
 * from its staging table (constant statement text, any batch size). A snapshot test keeps the
 * generated text in front of reviewers.
 */
export function loadStatement(spec: TableSpec): string {
  const columns = list(spec.columns.map((column) => column.name));
  const key = list(spec.key);
  switch (spec.strategy) {
    case 'insert-once':
      return [
        `INSERT INTO ${spec.table} (${columns})`,
        `SELECT ${columns} FROM ${stagingTable(spec)}`,
        // A replayed or duplicated record carries the same natural key: it inserts nothing.
        `ON CONFLICT (${key}) DO NOTHING`,
      ].join('\n');
    case 'earliest-wins':
      return [
        `INSERT INTO ${spec.table} AS t (${columns})`,
        `SELECT DISTINCT ON (${key}) ${columns} FROM ${stagingTable(spec)}`,
        `ORDER BY ${key}, load_date, record_source`,
        // One row per key ever. Its load_date and record_source are those of the earliest record that
        // carried the key, so the rows do not depend on the order partitions are read in a replay.
        `ON CONFLICT (${key}) DO UPDATE SET load_date = EXCLUDED.load_date, record_source = EXCLUDED.record_source`,
        `WHERE (EXCLUDED.load_date, EXCLUDED.record_source) < (t.load_date, t.record_source)`,
      ].join('\n');
    case 'on-change': {
      const hk = spec.key[0];
      return [
        `WITH incoming AS (SELECT * FROM ${stagingTable(spec)}),`,
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
