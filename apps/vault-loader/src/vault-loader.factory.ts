import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { runMigrations } from '@tracking/database';
import { createApiService } from '@tracking/http';
import { CUSTOMER_SOURCE, type CustomerSource } from '@tracking/customer-store';
import { startKafkaConsumer } from '@tracking/kafka';
import { ERASURE_LIST, type ErasureList } from '@tracking/privacy';
import type { Logger } from '@tracking/observability';
import { VaultLoaderModule } from './app.module';
import type { VaultLoaderConfig } from './config/vault-loader.config';
import { VAULT_MIGRATIONS } from './database/migrations';

/** Migrates (unless told not to), then builds the loader: HTTP for health and privacy operations, and its Kafka consumer, already consuming. */
export async function createVaultLoader(config: VaultLoaderConfig, logger: Logger): Promise<NestFastifyApplication> {
  if (config.migrateOnStart) await runMigrations(config.databaseUrl, VAULT_MIGRATIONS, logger);
  const app = await createApiService(VaultLoaderModule.register(config, logger), logger, {
    title: 'Vault loader',
    description: "Operators' API of the Data Vault loader: erase a person, run the retention purge now. Every route needs Bearer TRACKING_ADMIN_TOKEN.",
    version: '1.0.0',
  });
  // Every customer read before the first record (its retention decides whether a record is loaded),
  // and every erasure request (a replay into an empty vault anonymises their subjects as it loads).
  await startKafkaConsumer(app, undefined, Promise.all([app.get<CustomerSource>(CUSTOMER_SOURCE).readyOnce, app.get<ErasureList>(ERASURE_LIST).readyOnce]));
  return app;
}
