import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpService, type Logger } from '@tracking/observability';
import { VaultLoaderModule } from './app.module';
import type { VaultLoaderConfig } from './config/vault-loader.config';
import { runVaultMigrations } from './database/migration.runner';

/** Migrates (unless told not to), then builds the loader; its consumer starts when the app starts. */
export async function createVaultLoader(config: VaultLoaderConfig, logger: Logger): Promise<NestFastifyApplication> {
  if (config.migrateOnStart) await runVaultMigrations(config.databaseUrl, logger);
  return createHttpService(VaultLoaderModule.register(config, logger), logger);
}
