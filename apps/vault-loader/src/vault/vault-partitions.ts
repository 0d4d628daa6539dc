import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { LOGGER, type Logger } from '@tracking/observability';
import { PARTITIONED_TABLES, createPartitionStatement, monthOf, nextMonth, partitionName } from '@tracking/vault-schema';
import type { VaultRows } from './vault-model';

/** Serialises partition creation across loader instances (two CREATE ... IF NOT EXISTS can still collide in the catalog). */
const CREATE_LOCK = `hashtext('vault-loader.partitions')`;

/** Months ahead of the current one kept created, so that loading rarely creates a partition itself. */
const MONTHS_AHEAD = 2;

/** SQLSTATE 23514 with this text: a row for which no partition exists (one the retention purge dropped meanwhile). */
export const isMissingPartition = (error: unknown): boolean =>
  (error as { code?: string }).code === '23514' && /no partition of relation/.test((error as Error).message);

/**
 * Keeps a partition of every partitioned vault table for each month a batch reaches, before the batch
 * is loaded: created ahead at start (this month and the next two), and for any other month on
 * demand (a replay or a backfill of old records). Months known to exist are remembered; forget()
 * makes the next batch look again (after a purge dropped one).
 */
@Injectable()
export class VaultPartitions implements OnModuleInit {
  private readonly known = new Set<number>();

  constructor(
    @Inject(DATABASE_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Not fatal: a batch creates what it needs itself (the database may be unavailable at start). */
  async onModuleInit(): Promise<void> {
    await this.createAhead().catch((error: unknown) => this.logger.warn({ err: error }, 'partitions ahead not created at start'));
  }

  /** This month and the next ones: called at start and by the retention job, so a month's first batch finds its partition. */
  async createAhead(now = Date.now()): Promise<void> {
    let month = monthOf(now);
    const months = [month];
    for (let i = 0; i < MONTHS_AHEAD; i += 1) months.push((month = nextMonth(month)));
    await inTransaction(this.pool, (client) => this.create(client, months));
  }

  /**
   * Every month the batch's partitioned rows fall in exists afterwards. With a client, in its
   * transaction (a caller already writing to the vault must not wait on another connection); else
   * in a short transaction of its own.
   */
  async ensure(rows: VaultRows, client?: PoolClient): Promise<void> {
    const missing = new Map<number, Date>();
    for (const spec of PARTITIONED_TABLES) {
      for (const row of rows.byTable.get(spec.table)?.rows ?? []) {
        const month = monthOf(row['load_date'] as Date);
        if (!this.known.has(month.getTime())) missing.set(month.getTime(), month);
      }
    }
    if (missing.size === 0) return;
    if (client) await this.create(client, [...missing.values()]);
    else await inTransaction(this.pool, (own) => this.create(own, [...missing.values()]));
  }

  forget(): void {
    this.known.clear();
  }

  private async create(client: PoolClient, months: readonly Date[]): Promise<void> {
    const existing = await client.query<{ name: string }>(
      `SELECT c.oid::regclass::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = ANY($1::regclass[]) AND NOT i.inhdetachpending`,
      [PARTITIONED_TABLES.map((spec) => spec.table)],
    );
    const names = new Set(existing.rows.map((row) => row.name));
    const statements = months.flatMap((month) =>
      PARTITIONED_TABLES.filter((spec) => !names.has(partitionName(spec.table, month))).map((spec) => createPartitionStatement(spec.table, month)),
    );
    if (statements.length > 0) {
      await client.query(`SELECT pg_advisory_xact_lock(${CREATE_LOCK})`);
      for (const statement of statements) await client.query(`SET LOCAL client_min_messages = warning; ${statement}`);
    }
    for (const month of months) this.known.add(month.getTime());
  }
}
