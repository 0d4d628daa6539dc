import { Pool } from 'pg';
import type { Logger } from 'pino';

export const DATABASE_POOL = Symbol('DATABASE_POOL');

/**
 * A pg pool whose connections may die (a database restart, an administrator terminating sessions)
 * without taking the process with them: pg reports that as an 'error' event, which crashes Node
 * when nobody listens. The next query simply gets a new connection.
 */
export function createDatabasePool(url: string, size: number, applicationName: string, logger: Logger): Pool {
  const pool = new Pool({ connectionString: url, max: size, application_name: applicationName, connectionTimeoutMillis: 5000 });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection lost'));
  // pg-pool listens on a client only while it is idle. A checked-out client (a transaction) whose
  // connection is cut emits 'error' with no listener, and the process dies: found by the PostgreSQL
  // restart drill, where the vault loader exited mid-batch. The query in flight still rejects, and
  // the pool drops the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn({ err: error }, 'database connection lost'));
  });
  return pool;
}
