import { Client } from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import type { Logger } from 'pino';

export interface MigrationSet {
  /** Names the advisory lock and the migrations table, one per app: `<owner>_migrations`. */
  owner: string;
  migrations: Array<new () => MigrationInterface>;
}

/**
 * Applies an app's pending migrations, each in its own transaction, under a PostgreSQL advisory
 * lock so two instances starting together do not both run one. Returns the names applied.
 */
export async function runMigrations(databaseUrl: string, set: MigrationSet, logger: Logger): Promise<string[]> {
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  const lockKey = `${set.owner}-migrations`;
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    const dataSource = new DataSource({
      type: 'postgres',
      url: databaseUrl,
      migrations: set.migrations,
      migrationsTableName: `${set.owner.replace(/-/g, '_')}_migrations`,
      migrationsTransactionMode: 'each',
      logging: false,
    });
    await dataSource.initialize();
    try {
      const names = (await dataSource.runMigrations()).map((migration) => migration.name);
      logger.info({ owner: set.owner, applied: names }, names.length > 0 ? 'migrations applied' : 'database schema up to date');
      return names;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    await lock.end();
  }
}
