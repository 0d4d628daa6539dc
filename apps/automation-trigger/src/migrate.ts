import { loadMigrationSettings } from '@tracking/config';
import { runMigrations } from '@tracking/database';
import { createLogger, exitOnStartupFailure } from '@tracking/observability';
import { AUTOMATION_MIGRATIONS } from './database/migrations';

/** Applies the automation schema's pending migrations and exits (`npm start` and the tests run it). */
async function main(): Promise<void> {
  const config = loadMigrationSettings('automation-trigger', process.env);
  await runMigrations(config.databaseUrl, AUTOMATION_MIGRATIONS, createLogger('automation-trigger', config.logLevel));
}

main().catch(exitOnStartupFailure('automation-trigger'));
