import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { VAULT_TABLES } from '@tracking/vault-schema';

/** Every table but the hubs is purged by load_date; the hubs' only foreign keys point at them from links and satellites. */
const DATED_TABLES = VAULT_TABLES.filter((spec) => spec.kind !== 'hub').map((spec) => spec.table);

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
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  /** Deletes one tenant's rows loaded before the cutoff, in one transaction; returns rows deleted per table. */
  async purge(tenantHk: Buffer, cutoff: Date): Promise<Record<string, number>> {
    return inTransaction(this.pool, async (client) => {
      const deleted: Record<string, number> = {};
      for (const table of DATED_TABLES) {
        deleted[table] = (await client.query(`DELETE FROM ${table} WHERE tenant_hk = $1 AND load_date < $2`, [tenantHk, cutoff])).rowCount ?? 0;
      }
      for (const hub of HUBS) {
        const orphan = hub.referrers.map(([table, column]) => `NOT EXISTS (SELECT 1 FROM ${table} r WHERE r.${column} = h.${hub.hk})`).join(' AND ');
        deleted[hub.table] = (await client.query(`DELETE FROM ${hub.table} h WHERE h.tenant_hk = $1 AND h.load_date < $2 AND ${orphan}`, [tenantHk, cutoff]))
          .rowCount ?? 0;
      }
      return deleted;
    });
  }
}
