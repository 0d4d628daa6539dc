import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { runMigrations } from '@tracking/database';
import { createApiService } from '@tracking/http';
import { CUSTOMER_SOURCE, type CustomerSource } from '@tracking/customer-store';
import { startKafkaConsumer } from '@tracking/kafka';
import type { Logger } from '@tracking/observability';
import { ERASURE_LIST, type ErasureList } from '@tracking/privacy';
import { AutomationTriggerModule } from './app.module';
import type { AutomationTriggerConfig } from './config/automation-trigger.config';
import { AUTOMATION_MIGRATIONS } from './database/migrations';
import { TriggerMatcher } from './matching/trigger.matcher';

/** Migrates (unless told not to), then builds the service: HTTP for health and the admin API, and its Kafka consumer, already consuming. */
export async function createAutomationTrigger(config: AutomationTriggerConfig, logger: Logger): Promise<NestFastifyApplication> {
  if (config.migrateOnStart) await runMigrations(config.databaseUrl, AUTOMATION_MIGRATIONS, logger);
  const app = await createApiService(AutomationTriggerModule.register(config, logger), logger, {
    title: 'Automation trigger',
    description: "Operators' API of the automation trigger: a customer's workflows, its webhook deliveries, redelivery. Every route needs Bearer TRACKING_ADMIN_TOKEN.",
    version: '1.0.0',
  });
  // Every customer read before the first record: its workflows and flags decide whether a record is skipped (and committed past).
  // And every erasure request: a replay must not fire for a subject erased before this instance started.
  const customersRead = app.get<CustomerSource>(CUSTOMER_SOURCE).readyOnce;
  await startKafkaConsumer(app, TriggerMatcher, Promise.all([customersRead, app.get<ErasureList>(ERASURE_LIST).readyOnce]));
  return app;
}
