import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResult } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { TrackingError } from '@tracking/contracts';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { ERASURES, LOAD_BATCHES, QUALITY_LOG, STAGED_EVENTS, VAULT_TABLES, type TableSpec } from '@tracking/vault-schema';
import { holdTenantErasures } from '../privacy/erasure-lock';
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

/**
 * The erasures a batch was mapped under (its events of erased subjects anonymised), looked at again
 * inside its transaction, so an erasure that commits between the mapping and the load cannot miss
 * the batch's rows.
 */
export interface ErasureCheck {
  /** The customers of the batch's events that name a visitor or user. */
  customers: readonly string[];
  subjects: readonly ErasedSubject[];
  /** The subjects (hash key in hex) found erased when the batch was mapped: every event of the batch naming one is anonymised. */
  erased: ReadonlySet<string>;
}

/** A subject of the batch was erased after the batch was mapped: the batch is mapped and loaded again. */
export class ErasedWhileMappingError extends TrackingError {
  override readonly name = 'ErasedWhileMappingError';
  readonly retriable = true;
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

  /**
   * Resolves once committed, with the rows inserted per table (zero for what was already there).
   * `reports`: the Kafka batches the rows came from, one bookkeeping row each. Throws
   * ErasedWhileMappingError when `erasures` no longer holds.
   */
  async load(rows: VaultRows, reports: readonly BatchReport[] = [], erasures?: ErasureCheck): Promise<Map<string, number>> {
    await this.partitions.ensure(rows);
    try {
      return await this.loadOnce(rows, reports, erasures);
    } catch (error) {
      if (!isMissingPartition(error)) throw error;
      // A month this instance knew was dropped meanwhile (retention elsewhere): look again, once.
      this.partitions.forget();
      await this.partitions.ensure(rows);
      return this.loadOnce(rows, reports, erasures);
    }
  }

  private async loadOnce(rows: VaultRows, reports: readonly BatchReport[], erasures?: ErasureCheck): Promise<Map<string, number>> {
    let connection: PoolClient | undefined;
    const inserted = await inTransaction(this.pool, async (client) => {
      connection = client;
      if (erasures) await this.checkErasuresAgain(client, erasures);
      const inserted = await this.loadInto(client, rows);
      if (reports.length > 0) {
        // Batches that shared the transaction share its rows: all of them on the first, so sums stay right.
        const total = [...inserted.values()].reduce((sum, count) => sum + count, 0);
        const column = (pick: (report: BatchReport, index: number) => unknown): unknown[] => reports.map(pick);
        await client.query(
          `INSERT INTO ${LOAD_BATCHES.table} (topic, kafka_partition, first_offset, last_offset, records, rows_inserted, dead_lettered, duration_ms)
           SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::int[], $6::int[], $7::int[], $8::float8[])`,
          [
            column((report) => report.topic),
            column((report) => report.partition),
            column((report) => report.firstOffset),
            column((report) => report.lastOffset),
            column((report) => report.records),
            column((_, index) => (index === 0 ? total : 0)),
            column((report) => report.deadLettered),
            column((report) => report.durationMs),
          ],
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
  async erased(candidates: readonly ErasedSubject[], client: Pool | PoolClient = this.pool): Promise<Set<string>> {
    if (candidates.length === 0) return new Set();
    const { rows } = await client.query<{ subject_hk: Buffer }>(
      `SELECT e.subject_hk FROM ${ERASURES.table} e
         JOIN unnest($1::bytea[], $2::text[], $3::bytea[]) AS c(tenant_hk, subject_type, subject_hk)
           ON e.tenant_hk = c.tenant_hk AND e.subject_type = c.subject_type AND e.subject_hk = c.subject_hk`,
      [candidates.map((c) => c.tenantHk), candidates.map((c) => c.subjectType), candidates.map((c) => c.subjectHk)],
    );
    return new Set(rows.map((row) => row.subject_hk.toString('hex')));
  }

  private async checkErasuresAgain(client: PoolClient, check: ErasureCheck): Promise<void> {
    if (check.subjects.length === 0) return;
    await holdTenantErasures(client, check.customers);
    for (const subject of await this.erased(check.subjects, client)) {
      if (!check.erased.has(subject)) throw new ErasedWhileMappingError('a subject of the batch was erased while the batch was mapped; it is mapped again');
    }
  }
}
