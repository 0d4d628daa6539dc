import { loadMigrationSettings } from '@tracking/config';
import { runMigrations } from '@tracking/database';
import { createLogger, exitOnStartupFailure } from '@tracking/observability';
import { GATEWAY_MIGRATIONS } from './database/migrations';

/** Applies the gateway's pending migrations (tracking keys) and exits. */
async function main(): Promise<void> {
  const config = loadMigrationSettings('gateway', process.env);
  await runMigrations(config.databaseUrl, GATEWAY_MIGRATIONS, createLogger('gateway', config.logLevel));
}

main().catch(exitOnStartupFailure('gateway'));
