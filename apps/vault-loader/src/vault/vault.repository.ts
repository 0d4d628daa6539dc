import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResult } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { ERASURES, LOAD_BATCHES, QUALITY_LOG, STAGED_EVENTS, VAULT_TABLES, type TableSpec } from '@tracking/vault-schema';
import { copyBinary, copyLayout, type CopyPart } from './copy-binary';
import { APPLY_ROLLUPS, CREATE_DELTA_TABLES, capturingInserted } from './rollup-statements';
import { VaultPartitions, isMissingPartition } from './vault-partitions';
import { CREATE_STAGING_TABLES, STAGING_GROUPS, loadStatement, stagingTableId, type StagingGroup } from './vault-statements';
import type { VaultRows } from './vault-model';

export interface BatchReport {
  topic: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
  records: number;
  deadLettered: number;
  durationMs: number;
}

export interface ErasedSubject {
  tenantHk: Buffer;
  subjectType: 'visitor' | 'user';
  subjectHk: Buffer;
}

/** The staging tables' inserts also record what they inserted, for the rollups (rollup-statements.ts). */
const ROLLED_UP_SOURCES = new Set([STAGED_EVENTS.table, QUALITY_LOG.table]);
const statementOf = (spec: TableSpec): string => (ROLLED_UP_SOURCES.has(spec.table) ? capturingInserted(loadStatement(spec), spec) : loadStatement(spec));

/**
 * SQL of the load path: every table of a batch in one transaction. Each table's rows of the batch are
 * copied into a temporary staging table of its own (binary COPY), then one set-based statement per table
 * moves them into the vault, and the rollups add what the staging layer actually inserted; all those
 * statements in one round trip.
 */
@Injectable()
export class VaultRepository {
  private readonly statements = new Map(VAULT_TABLES.map((spec) => [spec.table, statementOf(spec)]));
  private readonly copies = new Map(
    STAGING_GROUPS.flatMap((group) => group.members.map((spec) => [spec.table, { group, layout: copyLayout(spec), tbl: stagingTableId(spec) }] as const)),
  );
  /** Connections whose session holds the staging tables, made in a transaction that committed. */
  private readonly staged = new WeakSet<PoolClient>();

  constructor(
    @Inject(DATABASE_POOL) private readonly pool: Pool,
    private readonly partitions: VaultPartitions,
  ) {}

  /** Resolves once committed, with the rows inserted per table (zero for what was already there). */
  async load(rows: VaultRows, report?: BatchReport): Promise<Map<string, number>> {
    await this.partitions.ensure(rows);
    try {
      return await this.loadOnce(rows, report);
    } catch (error) {
      if (!isMissingPartition(error)) throw error;
      // A month this instance knew was dropped meanwhile (retention elsewhere): look again, once.
      this.partitions.forget();
      await this.partitions.ensure(rows);
      return this.loadOnce(rows, report);
    }
  }

  private async loadOnce(rows: VaultRows, report?: BatchReport): Promise<Map<string, number>> {
    let connection: PoolClient | undefined;
    const inserted = await inTransaction(this.pool, async (client) => {
      connection = client;
      const inserted = await this.loadInto(client, rows);
      if (report) {
        const total = [...inserted.values()].reduce((sum, count) => sum + count, 0);
        await client.query(
          `INSERT INTO ${LOAD_BATCHES.table} (topic, kafka_partition, first_offset, last_offset, records, rows_inserted, dead_lettered, duration_ms)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [report.topic, report.partition, report.firstOffset, report.lastOffset, report.records, total, report.deadLettered, report.durationMs],
        );
      }
      return inserted;
    });
    if (connection) this.staged.add(connection);
    return inserted;
  }

  /**
   * The rows into the vault in the caller's transaction, the rollups added for what staging inserted;
   * rows inserted per table. Leaves the rollup deltas as it found them only if they were empty.
   */
  async loadInto(client: PoolClient, rows: VaultRows): Promise<Map<string, number>> {
    const batch = VAULT_TABLES.flatMap((spec) => {
      const entry = rows.byTable.get(spec.table);
      return entry && entry.rows.length > 0 ? [{ spec, rows: entry.rows }] : [];
    });
    const inserted = new Map<string, number>();
    if (batch.length === 0) return inserted;
    await this.partitions.ensure(rows, client);
    // A round trip of about thirty statements a batch, once a connection has them.
    if (!this.staged.has(client)) await client.query(`SET LOCAL client_min_messages = warning; ${CREATE_STAGING_TABLES}; ${CREATE_DELTA_TABLES}`);
    // One binary COPY per staging group with rows (two round trips each), in the groups' order.
    const parts = new Map<StagingGroup, CopyPart[]>();
    for (const { spec, rows: tableRows } of batch) {
      const { group, layout, tbl } = this.copies.get(spec.table) as { group: StagingGroup } & Omit<CopyPart, 'rows'>;
      parts.set(group, [...(parts.get(group) ?? []), { layout, rows: tableRows, tbl }]);
    }
    for (const group of STAGING_GROUPS) {
      const groupParts = parts.get(group);
      if (groupParts) await pipeline(Readable.from([copyBinary(groupParts)]), client.query(copyFrom(group.copy)));
    }
    const results = await client.query([...batch.map(({ spec }) => this.statements.get(spec.table) as string), ...APPLY_ROLLUPS].join(';\n'));
    const perStatement = (Array.isArray(results) ? results : [results]) as QueryResult[];
    batch.forEach(({ spec }, index) => inserted.set(spec.table, perStatement[index]?.rowCount ?? 0));
    return inserted;
  }

  /** Which of these subjects were erased: their records are anonymised again when replayed. */
  async erased(candidates: readonly ErasedSubject[]): Promise<Set<string>> {
    if (candidates.length === 0) return new Set();
    const { rows } = await this.pool.query<{ subject_hk: Buffer }>(
      `SELECT e.subject_hk FROM ${ERASURES.table} e
         JOIN unnest($1::bytea[], $2::text[], $3::bytea[]) AS c(tenant_hk, subject_type, subject_hk)
           ON e.tenant_hk = c.tenant_hk AND e.subject_type = c.subject_type AND e.subject_hk = c.subject_hk`,
      [candidates.map((c) => c.tenantHk), candidates.map((c) => c.subjectType), candidates.map((c) => c.subjectHk)],
    );
    return new Set(rows.map((row) => row.subject_hk.toString('hex')));
  }
}
