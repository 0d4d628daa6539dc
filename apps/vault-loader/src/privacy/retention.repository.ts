import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import {
  CONFIGURATION_SATELLITES,
  QUALITY_LOG,
  REJECTED_EVENTS,
  REJECTED_EVENTS_RETENTION_DAYS,
  STAGED_EVENTS,
  VAULT_TABLES,
  monthOfPartition,
  type TableSpec,
} from '@tracking/vault-schema';
import { VAULT_LOADER_CONFIG, type VaultLoaderConfig } from '../config/vault-loader.config';
import { RejectedEventRepository } from '../rejections/rejected-event.repository';
import { APPLY_ROLLUPS, CLEAR_EMPTY_ROLLUPS, CREATE_DELTA_TABLES, eventDelta, issueDelta } from '../vault/rollup-statements';

/**
 * Every table but the hubs is purged by load_date; the hubs' only foreign keys point at them from links and satellites.
 * Not the satellites describing the customer's configuration (sites, keys): they are not tracking data, and
 * their load date is when that configuration was applied, which may be older than any event kept.
 */
const DATED_TABLES = VAULT_TABLES.filter((spec) => spec.kind !== 'hub' && !CONFIGURATION_SATELLITES.includes(spec));

/**
 * A hub row goes once it is older than retention and nothing newer refers to it: the referrers are
 * the links and satellites that carry the hub's key column.
 */
const HUBS = VAULT_TABLES.filter((spec) => spec.kind === 'hub').map((hub) => {
  const hk = hub.key[0] ?? '';
  const referrers = VAULT_TABLES.filter((spec) => spec.kind !== 'hub' && spec.columns.some((column) => column.name === hk));
  const orphan = referrers.map((spec) => `NOT EXISTS (SELECT 1 FROM ${spec.table} r WHERE r.${hk} = h.${hk})`).join(' AND ');
  return { spec: hub, orphan };
});

/** The purge statement of one table, limited to a block range (a TID range scan); a staging or quality row leaves the rollups with it. */
function chunkStatement(spec: TableSpec, relation: string, condition: string): string {
  const purge = `DELETE FROM ONLY ${relation} h WHERE h.ctid >= $3::tid AND h.ctid < $4::tid AND h.tenant_hk = $1 AND h.load_date < $2${condition}`;
  if (spec === STAGED_EVENTS) return `WITH purged AS (${purge} RETURNING *) ${eventDelta('purged', -1)}`;
  if (spec === QUALITY_LOG) return `WITH purged AS (${purge} RETURNING *) ${issueDelta('purged', -1)}`;
  return purge;
}

@Injectable()
export class RetentionRepository {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: Pool,
    private readonly rejections: RejectedEventRepository,
    @Inject(VAULT_LOADER_CONFIG) private readonly config: VaultLoaderConfig,
  ) {}

  /**
   * Deletes one tenant's rows loaded before the cutoff; returns rows deleted per table. Its rejected
   * events go at the topic's 14 days already, or at the cutoff if that is sooner.
   *
   * Not one transaction: each table (each month partition of a partitioned one) is read once, in
   * chunks of `retentionChunkBlocks` heap blocks, each deleted in a transaction of its own with its
   * rollup corrections, so the rollups equal staging after every commit. Its row locks and WAL stay
   * small: a loader batch that needs one of those rows (a hub it inserts again, a rollup row) waits
   * for one chunk, not for the whole purge. The dated tables go before
   * the hubs, as their foreign keys require. A run that stops halfway leaves rows the next run
   * deletes (the cutoff only moves forward).
   */
  async purge(tenantHk: Buffer, cutoff: Date, now = Date.now()): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    const rejectedCutoff = new Date(Math.max(cutoff.getTime(), now - REJECTED_EVENTS_RETENTION_DAYS * 24 * 3_600_000));
    deleted[REJECTED_EVENTS.table] = await inTransaction(this.pool, (client) => this.rejections.purge(client, tenantHk, rejectedCutoff));
    for (const spec of DATED_TABLES) deleted[spec.table] = await this.purgeTable(spec, '', tenantHk, cutoff);
    for (const { spec, orphan } of HUBS) deleted[spec.table] = await this.purgeTable(spec, ` AND ${orphan}`, tenantHk, cutoff);
    return deleted;
  }

  private async purgeTable(spec: TableSpec, condition: string, tenantHk: Buffer, cutoff: Date): Promise<number> {
    let deleted = 0;
    for (const relation of await this.relationsBefore(spec, cutoff)) {
      const statement = chunkStatement(spec, relation, condition);
      const blocks = await this.blocks(relation);
      const size = this.config.retentionChunkBlocks;
      for (let from = 0; from < blocks; from += size) {
        const range = [`(${from},0)`, `(${from + size},0)`];
        deleted += await inTransaction(this.pool, async (client) => {
          const counting = spec === STAGED_EVENTS || spec === QUALITY_LOG;
          if (counting) await client.query(`SET LOCAL client_min_messages = warning; ${CREATE_DELTA_TABLES}`);
          const rows = (await client.query(statement, [tenantHk, cutoff, ...range])).rowCount ?? 0;
          if (counting && rows > 0) await this.applyRollups(client);
          return rows;
        });
      }
    }
    return deleted;
  }

  /** The table itself, or its attached month partitions that begin before the cutoff (the later ones hold nothing to purge). */
  private async relationsBefore(spec: TableSpec, cutoff: Date): Promise<string[]> {
    if (!spec.partitioned) return [spec.table];
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT c.oid::regclass::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass AND NOT i.inhdetachpending ORDER BY 1`,
      [spec.table],
    );
    return rows.map((row) => row.name).filter((name) => (monthOfPartition(name)?.getTime() ?? Infinity) < cutoff.getTime());
  }

  /** Blocks of the relation now: rows appended later are loaded now, not before the cutoff. */
  private async blocks(relation: string): Promise<number> {
    const { rows } = await this.pool.query<{ blocks: string }>(`SELECT pg_relation_size($1::regclass) / current_setting('block_size')::int AS blocks`, [relation]);
    return Number(rows[0]?.blocks ?? 0);
  }

  private async applyRollups(client: PoolClient): Promise<void> {
    for (const statement of [...APPLY_ROLLUPS, ...CLEAR_EMPTY_ROLLUPS]) await client.query(statement);
  }
}
