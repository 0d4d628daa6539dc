import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { VAULT_MIGRATIONS } from './migrations';

const MIGRATIONS_TABLE = 'vault_loader_migrations';
/** Two loaders starting at once must not both run a migration. */
const ADVISORY_LOCK_KEY = 'vault-loader-migrations';

/** Applies pending migrations under an advisory lock and reports what ran. */
export async function runVaultMigrations(databaseUrl: string, logger: Logger): Promise<string[]> {
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [ADVISORY_LOCK_KEY]);
    const dataSource = new DataSource({
      type: 'postgres',
      url: databaseUrl,
      migrations: VAULT_MIGRATIONS,
      migrationsTableName: MIGRATIONS_TABLE,
      migrationsTransactionMode: 'each',
      logging: false,
    });
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations();
      const names = applied.map((migration) => migration.name);
      logger.info({ applied: names }, names.length > 0 ? 'migrations applied' : 'database schema up to date');
      return names;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [ADVISORY_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}
