import { loadMigrationSettings } from '@tracking/config';
import { createLogger, exitOnStartupFailure } from '@tracking/observability';
import { runMigrations } from '@tracking/database';
import { VAULT_MIGRATIONS } from './database/migrations';

/** `npm run migrate`: applies the vault's pending migrations and exits. */
async function main(): Promise<void> {
  const config = loadMigrationSettings('vault-loader', process.env);
  await runMigrations(config.databaseUrl, VAULT_MIGRATIONS, createLogger('vault-loader', config.logLevel));
}

main().catch(exitOnStartupFailure('vault-loader'));
