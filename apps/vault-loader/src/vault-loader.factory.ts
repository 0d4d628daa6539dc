import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApiService } from '@tracking/http';
import type { Logger } from '@tracking/observability';
import { VaultLoaderModule } from './app.module';
import type { VaultLoaderConfig } from './config/vault-loader.config';
import { runMigrations } from '@tracking/database';
import { VAULT_MIGRATIONS } from './database/migrations';

/** Migrates (unless told not to), then builds the loader; its consumer starts when the app starts. */
export async function createVaultLoader(config: VaultLoaderConfig, logger: Logger): Promise<NestFastifyApplication> {
  if (config.migrateOnStart) await runMigrations(config.databaseUrl, VAULT_MIGRATIONS, logger);
  return createApiService(VaultLoaderModule.register(config, logger), logger);
}
