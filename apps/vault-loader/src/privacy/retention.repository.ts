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

/** A tenant (hash key) and its oldest load date kept. */
export interface PurgeTarget {
  tenantHk: Buffer;
  cutoff: Date;
}

/**
 * The purge statement of one table, limited to a block range (a TID range scan), for every tenant
 * at its own cutoff; answers the rows deleted per tenant. A staging or quality row leaves the
 * rollups with it.
 */
function chunkStatement(spec: TableSpec, relation: string, condition: string): string {
  const purge = `DELETE FROM ONLY ${relation} h USING unnest($1::bytea[], $2::timestamptz[]) AS t(tenant_hk, cutoff)
    WHERE h.ctid >= $3::tid AND h.ctid < $4::tid AND h.tenant_hk = t.tenant_hk AND h.load_date < t.cutoff${condition} RETURNING h.*`;
  const delta = spec === STAGED_EVENTS ? `, counted AS (${eventDelta('purged', -1)})` : spec === QUALITY_LOG ? `, counted AS (${issueDelta('purged', -1)})` : '';
  return `WITH purged AS (${purge})${delta} SELECT tenant_hk, count(*)::int AS n FROM purged GROUP BY tenant_hk`;
}

/** Rows deleted per tenant (hash key in hex), then per table. */
export type PurgedRows = Map<string, Record<string, number>>;

@Injectable()
export class RetentionRepository {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: Pool,
    private readonly rejections: RejectedEventRepository,
    @Inject(VAULT_LOADER_CONFIG) private readonly config: VaultLoaderConfig,
  ) {}

  /**
   * Deletes each tenant's rows loaded before its cutoff; returns rows deleted per tenant and table.
   * A tenant's rejected events go at the topic's 14 days already, or at its cutoff if that is sooner.
   *
   * Not one transaction: each table (each month partition before the latest cutoff) is read once for
   * all the tenants, in chunks of `retentionChunkBlocks` heap blocks, each deleted in a transaction
   * of its own with its rollup corrections, so the rollups equal staging after every commit. Its row
   * locks and WAL stay small: a loader batch that needs one of those rows (a hub it inserts again, a
   * rollup row) waits for one chunk, not for the whole purge. The dated tables go before the hubs, as
   * their foreign keys require. A run that stops halfway leaves rows the next run deletes.
   */
  async purge(targets: readonly PurgeTarget[], now = Date.now()): Promise<PurgedRows> {
    const purged: PurgedRows = new Map(targets.map(({ tenantHk }) => [tenantHk.toString('hex'), {}]));
    const rejectedSince = now - REJECTED_EVENTS_RETENTION_DAYS * 24 * 3_600_000;
    for (const { tenantHk, cutoff } of targets) {
      const rows = await inTransaction(this.pool, (client) => this.rejections.purge(client, tenantHk, new Date(Math.max(cutoff.getTime(), rejectedSince))));
      (purged.get(tenantHk.toString('hex')) as Record<string, number>)[REJECTED_EVENTS.table] = rows;
    }
    for (const spec of DATED_TABLES) await this.purgeTable(spec, '', targets, purged);
    for (const { spec, orphan } of HUBS) await this.purgeTable(spec, ` AND ${orphan}`, targets, purged);
    return purged;
  }

  private async purgeTable(spec: TableSpec, condition: string, targets: readonly PurgeTarget[], purged: PurgedRows): Promise<void> {
    for (const counts of purged.values()) counts[spec.table] = 0;
    if (targets.length === 0) return;
    const tenants = targets.map((target) => target.tenantHk);
    const cutoffs = targets.map((target) => target.cutoff);
    const latest = new Date(Math.max(...cutoffs.map((cutoff) => cutoff.getTime())));
    for (const relation of await this.relationsBefore(spec, latest)) {
      const statement = chunkStatement(spec, relation, condition);
      const blocks = await this.blocks(relation);
      const size = this.config.retentionChunkBlocks;
      for (let from = 0; from < blocks; from += size) {
        const range = [`(${from},0)`, `(${from + size},0)`];
        const rows = await inTransaction(this.pool, async (client) => {
          const counting = spec === STAGED_EVENTS || spec === QUALITY_LOG;
          if (counting) await client.query(`SET LOCAL client_min_messages = warning; ${CREATE_DELTA_TABLES}`);
          const result = await client.query<{ tenant_hk: Buffer; n: number }>(statement, [tenants, cutoffs, ...range]);
          if (counting && result.rows.length > 0) await this.applyRollups(client);
          return result.rows;
        });
        for (const { tenant_hk, n } of rows) (purged.get(tenant_hk.toString('hex')) as Record<string, number>)[spec.table] += n;
      }
    }
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
