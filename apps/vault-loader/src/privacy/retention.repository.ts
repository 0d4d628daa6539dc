import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { CONFIGURATION_SATELLITES, QUALITY_LOG, REJECTED_EVENTS, REJECTED_EVENTS_RETENTION_DAYS, STAGED_EVENTS, VAULT_TABLES } from '@tracking/vault-schema';
import { RejectedEventRepository } from '../rejections/rejected-event.repository';
import { APPLY_ROLLUPS, CLEAR_EMPTY_ROLLUPS, CREATE_DELTA_TABLES, eventDelta, issueDelta } from '../vault/rollup-statements';

/**
 * Every table but the hubs is purged by load_date; the hubs' only foreign keys point at them from links and satellites.
 * Not the satellites describing the customer's configuration (sites, keys): they are not tracking data, and
 * their load date is when that configuration was applied, which may be older than any event kept.
 */
const DATED_TABLES = VAULT_TABLES.filter((spec) => spec.kind !== 'hub' && !CONFIGURATION_SATELLITES.includes(spec)).map((spec) => spec.table);

/**
 * A hub row goes once it is older than retention and nothing newer refers to it: the referrers are
 * the links and satellites that carry the hub's key column.
 */
const HUBS = VAULT_TABLES.filter((spec) => spec.kind === 'hub').map((hub) => {
  const hk = hub.key[0] ?? '';
  const referrers = VAULT_TABLES.filter((spec) => spec.kind !== 'hub' && spec.columns.some((column) => column.name === hk));
  return { table: hub.table, hk, referrers: referrers.map((spec): [table: string, column: string] => [spec.table, hk]) };
});

@Injectable()
export class RetentionRepository {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: Pool,
    private readonly rejections: RejectedEventRepository,
  ) {}

  /**
   * Deletes one tenant's rows loaded before the cutoff, in one transaction; returns rows deleted per
   * table. Its rejected events go at the topic's 14 days already, or at the cutoff if that is sooner.
   */
  async purge(tenantHk: Buffer, cutoff: Date, now = Date.now()): Promise<Record<string, number>> {
    return inTransaction(this.pool, async (client) => {
      const deleted: Record<string, number> = {};
      const rejectedCutoff = Math.max(cutoff.getTime(), now - REJECTED_EVENTS_RETENTION_DAYS * 24 * 3_600_000);
      deleted[REJECTED_EVENTS.table] = await this.rejections.purge(client, tenantHk, new Date(rejectedCutoff));
      await client.query(`SET LOCAL client_min_messages = warning; ${CREATE_DELTA_TABLES}`);
      for (const table of DATED_TABLES) {
        const purge = `DELETE FROM ${table} WHERE tenant_hk = $1 AND load_date < $2`;
        // What leaves staging leaves the rollups: the deleted rows, counted back out (-1) in this transaction.
        const sql =
          table === STAGED_EVENTS.table
            ? `WITH purged AS (${purge} RETURNING *) ${eventDelta('purged', -1)}`
            : table === QUALITY_LOG.table
              ? `WITH purged AS (${purge} RETURNING *) ${issueDelta('purged', -1)}`
              : purge;
        deleted[table] = (await client.query(sql, [tenantHk, cutoff])).rowCount ?? 0;
      }
      for (const statement of [...APPLY_ROLLUPS, ...CLEAR_EMPTY_ROLLUPS]) await client.query(statement);
      for (const hub of HUBS) {
        const orphan = hub.referrers.map(([table, column]) => `NOT EXISTS (SELECT 1 FROM ${table} r WHERE r.${column} = h.${hub.hk})`).join(' AND ');
        deleted[hub.table] = (await client.query(`DELETE FROM ${hub.table} h WHERE h.tenant_hk = $1 AND h.load_date < $2 AND ${orphan}`, [tenantHk, cutoff]))
          .rowCount ?? 0;
      }
      return deleted;
    });
  }
}
