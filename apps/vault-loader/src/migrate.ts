import { createLogger, exitOnStartupFailure } from '@tracking/observability';
import { loadVaultLoaderConfig } from './config/vault-loader.config';
import { runVaultMigrations } from './database/migration.runner';

/** `npm run migrate`: applies the vault's pending migrations and exits. */
async function main(): Promise<void> {
  const config = loadVaultLoaderConfig(process.env);
  await runVaultMigrations(config.databaseUrl, createLogger('vault-loader', config.logLevel));
}

main().catch(exitOnStartupFailure('vault-loader'));
