import { Pool } from 'pg';
import type { Logger } from 'pino';

export const DATABASE_POOL = Symbol('DATABASE_POOL');

/**
 * A pg pool whose idle connections may die (a database restart, an administrator terminating
 * sessions) without taking the process with them: pg reports that as an 'error' event, which
 * crashes Node when nobody listens. The next query simply gets a new connection.
 */
export function createDatabasePool(url: string, size: number, applicationName: string, logger: Logger): Pool {
  const pool = new Pool({ connectionString: url, max: size, application_name: applicationName, connectionTimeoutMillis: 5000 });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection lost'));
  return pool;
}
