import { Client, type QueryArrayConfig } from 'pg';
import { VAULT_TABLES, type TableSpec } from '@tracking/vault-schema';
import { copyIn, copyOut } from './pg-copy';

export interface TableDump {
  spec: TableSpec;
  data: Buffer[];
  rows: number;
}

/** Every value as the server's text, so rows go back exactly as they were, whatever their type. */
const asText = { getTypeParser: () => (value: string) => value };

/**
 * The vault tables of a bench database, for the loader's baselines: the rows the loader wrote are
 * taken out, the tables emptied (indexes, constraints and row-level security stay as they are) and
 * the same rows put back by COPY or by a naive INSERT loader.
 */
export class VaultTablesDatabase {
  private constructor(private readonly client: Client) {}

  static async connect(databaseUrl: string): Promise<VaultTablesDatabase> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    return new VaultTablesDatabase(client);
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  /** Rows in all vault tables, without the hubs' ghost records (the migration's, not the loader's). */
  async countRows(): Promise<number> {
    const counts = VAULT_TABLES.map((spec) => `SELECT count(*) FILTER (WHERE record_source <> 'SYSTEM') AS n FROM ${spec.table}`);
    const { rows } = await this.client.query<{ total: string }>(`SELECT sum(n)::bigint AS total FROM (${counts.join(' UNION ALL ')}) counts`);
    return Number(rows[0]?.total ?? 0);
  }

  async dump(): Promise<TableDump[]> {
    const dumps: TableDump[] = [];
    for (const spec of VAULT_TABLES) {
      // A query, not the table: COPY TO refuses a partitioned table, though COPY FROM into one is fine.
      const { data, rows } = await copyOut(this.client, `COPY (SELECT ${columnList(spec)} FROM ${spec.table}) TO STDOUT`);
      dumps.push({ spec, data, rows });
    }
    return dumps;
  }

  /** Empties every vault table (ghost records too: the dumps hold them), outside any timed part. */
  async truncate(): Promise<void> {
    await this.client.query(`TRUNCATE ${VAULT_TABLES.map((spec) => spec.table).join(', ')}`);
  }

  /** The best case for bulk loading: one transaction, one COPY per table, hubs before what refers to them. */
  async copyBack(dumps: readonly TableDump[]): Promise<number> {
    let copied = 0;
    await this.client.query('BEGIN');
    try {
      for (const dump of dumps) copied += await copyIn(this.client, `COPY ${dump.spec.table} (${columnList(dump.spec)}) FROM STDIN`, dump.data);
      await this.client.query('COMMIT');
    } catch (error) {
      await this.client.query('ROLLBACK');
      throw error;
    }
    return copied;
  }

  /**
   * Every table's rows as text, in load order, each with its load_date in epoch milliseconds (the
   * naive loader cuts its transactions by it).
   */
  async readRows(): Promise<Map<TableSpec, TextRow[]>> {
    const tables = new Map<TableSpec, TextRow[]>();
    for (const spec of VAULT_TABLES) {
      const query: QueryArrayConfig = {
        text: `SELECT ${columnList(spec)}, (extract(epoch FROM load_date) * 1000)::float8 FROM ${spec.table} ORDER BY load_date`,
        rowMode: 'array',
        types: asText,
      };
      const { rows } = await this.client.query<Array<string | null>>(query);
      tables.set(spec, rows.map((row) => ({ values: row.slice(0, -1), loadMs: Number(row[row.length - 1]) })));
    }
    return tables;
  }

  /**
   * What a straightforward loader would do with the same rows: per transaction about 500 events'
   * worth of every table, table by table, multi-row INSERTs of `rowsPerStatement` rows with ON
   * CONFLICT DO NOTHING (its only defence against duplicates). Transactions are cut at load_date
   * boundaries, so a hub row (the earliest load_date of its key) commits no later than the links
   * and satellites that refer to it. Returns the rows inserted.
   */
  async naiveInsert(tables: ReadonlyMap<TableSpec, TextRow[]>, eventsPerTransaction: number, rowsPerStatement: number): Promise<number> {
    const eventTimes = (tables.get(VAULT_TABLES[0] as TableSpec) ?? []).map((row) => row.loadMs);
    const cuts: number[] = [];
    for (let i = eventsPerTransaction - 1; i < eventTimes.length - 1; i += eventsPerTransaction) cuts.push(eventTimes[i] as number);
    cuts.push(Number.POSITIVE_INFINITY);
    const cursors = new Map<TableSpec, number>([...tables.keys()].map((spec) => [spec, 0]));
    let inserted = 0;
    for (const cut of cuts) {
      await this.client.query('BEGIN');
      for (const [spec, rows] of tables) {
        const start = cursors.get(spec) ?? 0;
        let end = start;
        while (end < rows.length && (rows[end] as TextRow).loadMs <= cut) end++;
        cursors.set(spec, end);
        for (let at = start; at < end; at += rowsPerStatement) {
          const slice = rows.slice(at, Math.min(end, at + rowsPerStatement));
          const result = await this.client.query(insertStatement(spec, slice.length), slice.flatMap((row) => row.values));
          inserted += result.rowCount ?? 0;
        }
      }
      await this.client.query('COMMIT');
    }
    return inserted;
  }
}

export interface TextRow {
  /** NULL stays null; everything else is the server's text form, which it parses back to the column's type. */
  values: Array<string | null>;
  loadMs: number;
}

function columnList(spec: TableSpec): string {
  return spec.columns.map((column) => column.name).join(', ');
}

function insertStatement(spec: TableSpec, rows: number): string {
  const width = spec.columns.length;
  const tuples = Array.from({ length: rows }, (_, row) => `(${spec.columns.map((_, column) => `$${row * width + column + 1}`).join(', ')})`);
  return `INSERT INTO ${spec.table} (${columnList(spec)}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`;
}
