import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { PARTITIONED_TABLES, QUALITY_LOG, RAW_EVENTS, STAGED_EVENTS, monthOfPartition, nextMonth, partitionName } from '@tracking/vault-schema';
import { APPLY_ROLLUPS, CLEAR_EMPTY_ROLLUPS, CREATE_DELTA_TABLES, eventDelta, issueDelta } from '../vault/rollup-statements';
import { VaultPartitions } from '../vault/vault-partitions';

/** The distinct tenants of a partition from its unique index (tenant_hk leads it): one index probe per tenant, not a scan. */
const tenantsOf = (partition: string): string => `WITH RECURSIVE t AS (
    (SELECT tenant_hk FROM ${partition} ORDER BY tenant_hk LIMIT 1)
    UNION ALL
    SELECT (SELECT p.tenant_hk FROM ${partition} p WHERE p.tenant_hk > t.tenant_hk ORDER BY p.tenant_hk LIMIT 1) FROM t WHERE t.tenant_hk IS NOT NULL)
  SELECT tenant_hk FROM t WHERE tenant_hk IS NOT NULL`;

const schemaAndName = (table: string): [string, string] => table.split('.') as [string, string];

/**
 * Retention by whole months: a month's partitions go once every tenant with rows in it is past its
 * retention there (and the month is past the default retention, which a tenant without configuration
 * gets), instead of deleting its rows one by one. Each partition is detached CONCURRENTLY (loading
 * into the other months goes on: no lock on the parent that an insert waits for), then counted out
 * of the rollups and dropped in one transaction. A partition left detached by a run that stopped
 * halfway is finished by the next run.
 */
@Injectable()
export class PartitionRetention {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: Pool,
    private readonly partitions: VaultPartitions,
  ) {}

  /**
   * `cutoffs`: each configured tenant's (hash key in hex) oldest load date kept. Returns the rows
   * each dropped partition held.
   */
  async dropExpired(cutoffs: ReadonlyMap<string, Date>, defaultCutoff: Date): Promise<Record<string, number>> {
    const dropped: Record<string, number> = {};
    Object.assign(dropped, await this.finishInterrupted());
    for (const month of await this.expiredMonths(cutoffs, defaultCutoff)) {
      for (const spec of PARTITIONED_TABLES) {
        const partition = partitionName(spec.table, month);
        if (!(await this.attached(partition))) continue;
        await this.pool.query(`ALTER TABLE ${spec.table} DETACH PARTITION ${partition} CONCURRENTLY`);
        dropped[partition] = await this.countOutAndDrop(spec.table, partition);
      }
    }
    if (Object.keys(dropped).length > 0) this.partitions.forget();
    return dropped;
  }

  /** Months whose end is at or before every cutoff that applies to them, the raw layer saying which tenants a month holds. */
  private async expiredMonths(cutoffs: ReadonlyMap<string, Date>, defaultCutoff: Date): Promise<Date[]> {
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT c.oid::regclass::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`,
      [RAW_EVENTS.table],
    );
    const months: Date[] = [];
    for (const { name } of rows) {
      const month = monthOfPartition(name);
      if (!month || nextMonth(month) > defaultCutoff) continue;
      const end = nextMonth(month);
      const tenants = await this.pool.query<{ tenant_hk: Buffer }>(tenantsOf(name));
      const expired = tenants.rows.every(({ tenant_hk }) => {
        const cutoff = cutoffs.get(tenant_hk.toString('hex'));
        return cutoff !== undefined && end <= cutoff;
      });
      if (expired) months.push(month);
    }
    return months;
  }

  private async attached(partition: string): Promise<boolean> {
    const { rows } = await this.pool.query(`SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass($1) AND NOT inhdetachpending`, [partition]);
    return rows.length > 0;
  }

  /** What staging and the quality log held leaves the rollups with the partition, in one transaction. */
  private async countOutAndDrop(table: string, partition: string): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const count = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${partition}`)).rows[0]?.n ?? 0);
      if (table === STAGED_EVENTS.table || table === QUALITY_LOG.table) {
        await client.query(`SET LOCAL client_min_messages = warning; ${CREATE_DELTA_TABLES}`);
        await client.query(table === STAGED_EVENTS.table ? eventDelta(partition, -1) : issueDelta(partition, -1));
        for (const statement of [...APPLY_ROLLUPS, ...CLEAR_EMPTY_ROLLUPS]) await client.query(statement);
      }
      await client.query(`DROP TABLE ${partition}`);
      return count;
    });
  }

  /** Partitions a stopped run left detaching (finalised here) or detached: counted out and dropped now. */
  private async finishInterrupted(): Promise<Record<string, number>> {
    const dropped: Record<string, number> = {};
    for (const spec of PARTITIONED_TABLES) {
      const [schema, name] = schemaAndName(spec.table);
      const pending = await this.pool.query<{ name: string }>(
        `SELECT c.oid::regclass::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass AND i.inhdetachpending`,
        [spec.table],
      );
      for (const row of pending.rows) await this.pool.query(`ALTER TABLE ${spec.table} DETACH PARTITION ${row.name} FINALIZE`);
      const detached = await this.pool.query<{ name: string }>(
        `SELECT c.oid::regclass::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname ~ $2 AND NOT c.relispartition`,
        [schema, `^${name}_p[0-9]{4}_[0-9]{2}$`],
      );
      for (const row of detached.rows) dropped[row.name] = await this.countOutAndDrop(spec.table, row.name);
    }
    return dropped;
  }
}
