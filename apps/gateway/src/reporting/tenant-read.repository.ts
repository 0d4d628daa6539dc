import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { LOGGER, type Logger } from '@tracking/observability';
import { ApiError } from '@tracking/http';
import { TENANT_SETTING, VAULT_ROLES } from '@tracking/vault-schema';

/** count() and sum() are bigint or numeric, which pg hands over as strings; a missing aggregate is zero. */
export const toNumber = (value: unknown): number => Number(value ?? 0);

export type ReadQuery = <R extends QueryResultRow>(sql: string, values?: unknown[]) => Promise<R[]>;

/** SQLSTATEs of a vault not migrated yet (no schema, table, role or function); classes 08, 53 and 57 are an unreachable, overloaded or stopping server. */
const NOT_MIGRATED = new Set(['3F000', '42P01', '42704', '42883']);
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Network failures and timeouts carry no SQLSTATE; a SQL error other than the above is a bug, and stays a 500. */
function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !SQLSTATE.test(code)) return true;
  return NOT_MIGRATED.has(code) || ['08', '53', '57'].includes(code.slice(0, 2));
}

/** For the rest of the transaction: the vault's reader role, this tenant, a bound on each statement. */
async function scopeToTenant(client: PoolClient, tenantHkHex: string): Promise<void> {
  await client.query(`SET LOCAL ROLE ${VAULT_ROLES.reader}`);
  await client.query(`SET LOCAL statement_timeout = '15s'`);
  await client.query(`SELECT set_config($1, $2, true)`, [TENANT_SETTING, tenantHkHex]);
}

/**
 * Every read of the vault runs in a read-only transaction as role tracking_reader with the tenant
 * set, so row-level security, not only the WHERE clauses, keeps one customer from another's rows.
 */
@Injectable()
export class TenantReadRepository {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async read<T>(tenantHkHex: string, work: (query: ReadQuery) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(
        this.pool,
        async (client) => {
          await scopeToTenant(client, tenantHkHex);
          return work(async (sql, values) => (await client.query(sql, values)).rows);
        },
        'BEGIN READ ONLY',
      );
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Rows in pages of `pageSize` through a cursor: an export's memory does not grow with its length. */
  async *stream<R extends QueryResultRow>(tenantHkHex: string, sql: string, values: unknown[], pageSize = 1000): AsyncGenerator<R[]> {
    const client = await this.open(tenantHkHex);
    let failed = false;
    try {
      await client.query(`DECLARE export_cursor NO SCROLL CURSOR FOR ${sql}`, values);
      for (;;) {
        const { rows } = await client.query<R>(`FETCH ${pageSize} FROM export_cursor`);
        if (rows.length === 0) break;
        yield rows;
      }
    } catch (error) {
      failed = true;
      throw this.translate(error);
    } finally {
      // Also reached when the client hangs up mid-export and the stream is destroyed.
      await client.query(failed ? 'ROLLBACK' : 'COMMIT').catch(() => undefined);
      client.release();
    }
  }

  private async open(tenantHkHex: string): Promise<PoolClient> {
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN READ ONLY');
      await scopeToTenant(client, tenantHkHex);
      return client;
    } catch (error) {
      if (client) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
      }
      throw this.translate(error);
    }
  }

  private translate(error: unknown): unknown {
    if (error instanceof ApiError) return error;
    if (isUnavailable(error)) {
      this.logger.warn({ err: error }, 'vault read failed');
      return new ApiError(503, 'SERVICE_UNAVAILABLE', 'The vault cannot be read right now (database unreachable or not migrated yet); retry later', undefined, {
        'Retry-After': '5',
      });
    }
    return error;
  }
}
