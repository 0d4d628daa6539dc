import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { ERASURES, REJECTED_EVENTS } from '@tracking/vault-schema';
import type { RejectedEventRow } from './rejected-event.row';

const COLUMNS = REJECTED_EVENTS.columns;

/** SQL of the rejected events: the load, the purge at the topic's retention, the erasure. */
@Injectable()
export class RejectedEventRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  /**
   * Inserts the rows in one transaction, leaving out those of subjects registered as erased (a replay
   * must not bring back what an erasure removed). A rejection loaded before inserts nothing again.
   * Resolves, once committed, with the rows inserted.
   */
  async load(rows: readonly RejectedEventRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    return inTransaction(this.pool, async (client) => {
      const columns = COLUMNS.map((column) => column.name).join(', ');
      const arrays = COLUMNS.map((column, index) => `$${index + 1}::${column.type}[]`).join(', ');
      const { rowCount } = await client.query(
        `INSERT INTO ${REJECTED_EVENTS.table} (${columns})
         SELECT ${columns} FROM unnest(${arrays}) AS r(${columns})
          WHERE NOT EXISTS (SELECT 1 FROM ${ERASURES.table} e
                             WHERE e.tenant_hk = r.tenant_hk
                               AND ((e.subject_type = 'visitor' AND e.subject_hk = r.visitor_hk) OR (e.subject_type = 'user' AND e.subject_hk = r.user_hk)))
         -- The same rejection read again (a replay, a redelivery after a rebalance): nothing new.
         ON CONFLICT (tenant_hk, rejection_id) DO NOTHING`,
        COLUMNS.map((column) => rows.map((row) => row[column.name as keyof RejectedEventRow])),
      );
      return rowCount ?? 0;
    });
  }

  /** Deletes one tenant's rejections received before the cutoff; the count deleted. */
  async purge(client: PoolClient, tenantHk: Buffer, cutoff: Date): Promise<number> {
    const { rowCount } = await client.query(`DELETE FROM ${REJECTED_EVENTS.table} WHERE tenant_hk = $1 AND load_date < $2`, [tenantHk, cutoff]);
    return rowCount ?? 0;
  }

  /**
   * Right to be forgotten: the person's refused events go entirely (the payload is free-form JSON the
   * vault cannot anonymise field by field). Found by the hash keys of their visitor, user and session
   * ids as the refused payload carried them.
   */
  async erase(client: PoolClient, tenantHk: Buffer, subjects: { visitors: readonly Buffer[]; users: readonly Buffer[]; sessions: readonly Buffer[] }): Promise<number> {
    const { rowCount } = await client.query(
      `DELETE FROM ${REJECTED_EVENTS.table}
        WHERE tenant_hk = $1 AND (visitor_hk = ANY($2::bytea[]) OR user_hk = ANY($3::bytea[]) OR session_hk = ANY($4::bytea[]))`,
      [tenantHk, subjects.visitors, subjects.users, subjects.sessions],
    );
    return rowCount ?? 0;
  }
}
