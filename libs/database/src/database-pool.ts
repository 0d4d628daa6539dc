import { Pool } from 'pg';

export const DATABASE_POOL = Symbol('DATABASE_POOL');

export function createDatabasePool(url: string, size: number, applicationName: string): Pool {
  return new Pool({ connectionString: url, max: size, application_name: applicationName, connectionTimeoutMillis: 5000 });
}
