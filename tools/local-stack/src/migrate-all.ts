import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { MIGRATING_APPS, migrationEntry, repositoryRoot } from '@tracking/services';

/**
 * Runs every app's own migration entry (MIGRATING_APPS, in their order), one process each, so each
 * app migrates exactly as it does at start-up with DB_MIGRATE_ON_START. Stops at the first failure.
 */
export async function migrateAll(env: NodeJS.ProcessEnv, dist = join(repositoryRoot(), 'dist')): Promise<void> {
  for (const app of MIGRATING_APPS) {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [join(dist, migrationEntry(app))], { env, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('exit', resolve);
      child.on('error', reject);
    });
    if (code !== 0) throw new Error(`${app}: migrations failed (exit code ${code}); the apps after it were not migrated`);
  }
}

/** `npm run migrate`: every app that owns a schema, against DATABASE_URL (default: the local stack's). */
if (require.main === module) {
  migrateAll(process.env).then(
    () => process.stderr.write(`migrated: ${MIGRATING_APPS.join(', ')}\n`),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
