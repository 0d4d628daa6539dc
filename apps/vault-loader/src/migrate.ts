import { createLogger, exitOnStartupFailure } from '@tracking/observability';
import { loadVaultLoaderConfig } from './config/vault-loader.config';
import { runMigrations } from '@tracking/database';
import { VAULT_MIGRATIONS } from './database/migrations';

/** `npm run migrate`: applies the vault's pending migrations and exits. */
async function main(): Promise<void> {
  const config = loadVaultLoaderConfig(process.env);
  await runMigrations(config.databaseUrl, VAULT_MIGRATIONS, createLogger('vault-loader', config.logLevel));
}

main().catch(exitOnStartupFailure('vault-loader'));
