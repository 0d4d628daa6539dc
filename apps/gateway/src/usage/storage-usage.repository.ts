import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DATABASE_POOL } from '@tracking/database';
import { VAULT_TABLES } from '@tracking/vault-schema';
import { TenantReadRepository } from '../reporting/tenant-read.repository';
import type { QuotaLevel, StorageUsage } from './storage-usage';

interface UsageRow {
  customer_id: string;
  vault_bytes: string;
  export_bytes: string | null;
  export_status: StorageUsage['exportStatus'];
  measured_at: Date;
  warned_level: QuotaLevel;
}

/**
 * The tenant's bytes in the vault: the sum of pg_column_size over its rows of every table the
 * loader fills (raw, staging, quality log, hubs, links, satellites, the audit hub and satellite).
 * That is the tuple data PostgreSQL stores for the tenant, TOAST-compressed sizes included; indexes,
 * page overhead and dead tuples are shared by all tenants and left out. Ghost records are nobody's.
 */
const VAULT_BYTES_SQL = `SELECT ${VAULT_TABLES.map((spec) => `(SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM ${spec.table} t WHERE t.tenant_hk = $1)`).join('\n  + ')} AS bytes`;

/** Only this repository holds SQL about storage usage. */
@Injectable()
export class StorageUsageRepository {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: Pool,
    private readonly vault: TenantReadRepository,
  ) {}

  /** Read as the tenant (row-level security), like every other read of the vault. */
  async vaultBytes(tenantHkHex: string): Promise<number> {
    return this.vault.read(tenantHkHex, async (query) => Number((await query<{ bytes: string }>(VAULT_BYTES_SQL, [Buffer.from(tenantHkHex, 'hex')]))[0]?.bytes ?? 0));
  }

  /** The figures of this measurement; the warned level is left as it is. */
  async save(usage: Omit<StorageUsage, 'warnedLevel'>): Promise<void> {
    await this.pool.query(
      `INSERT INTO gateway.storage_usage (customer_id, vault_bytes, export_bytes, export_status, measured_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (customer_id) DO UPDATE
         SET vault_bytes = EXCLUDED.vault_bytes, export_bytes = EXCLUDED.export_bytes,
             export_status = EXCLUDED.export_status, measured_at = EXCLUDED.measured_at`,
      [usage.customerId, usage.vaultBytes, usage.exportBytes, usage.exportStatus, usage.measuredAt],
    );
  }

  /**
   * Moves the warned level up to `level`; true only for the one caller (of all gateway instances)
   * that moved it, which then writes the warning: once per crossing, never once per measurement.
   */
  async raiseWarnedLevel(customerId: string, level: QuotaLevel): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE gateway.storage_usage SET warned_level = $2, warned_at = now() WHERE customer_id = $1 AND warned_level < $2`,
      [customerId, level],
    );
    return rowCount === 1;
  }

  /** Usage fell below a threshold (retention, erasure) or a warning could not be written: the next crossing warns again. */
  async lowerWarnedLevel(customerId: string, level: QuotaLevel): Promise<void> {
    await this.pool.query(`UPDATE gateway.storage_usage SET warned_level = $2 WHERE customer_id = $1 AND warned_level > $2`, [customerId, level]);
  }

  async find(customerId: string): Promise<StorageUsage | undefined> {
    const { rows } = await this.pool.query<UsageRow>(
      `SELECT customer_id, vault_bytes, export_bytes, export_status, measured_at, warned_level FROM gateway.storage_usage WHERE customer_id = $1`,
      [customerId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      customerId: row.customer_id,
      vaultBytes: Number(row.vault_bytes),
      exportBytes: row.export_bytes === null ? null : Number(row.export_bytes),
      exportStatus: row.export_status,
      measuredAt: row.measured_at,
      warnedLevel: row.warned_level,
    };
  }
}
