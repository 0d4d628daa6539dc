import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { runMigrations } from '@tracking/database';
import { createApiService } from '@tracking/http';
import type { Logger } from '@tracking/observability';
import { AutomationTriggerModule } from './app.module';
import type { AutomationTriggerConfig } from './config/automation-trigger.config';
import { AUTOMATION_MIGRATIONS } from './database/migrations';

/** Migrates (unless told not to), then builds the service; its consumer and loops start when the app starts. */
export async function createAutomationTrigger(config: AutomationTriggerConfig, logger: Logger): Promise<NestFastifyApplication> {
  if (config.migrateOnStart) await runMigrations(config.databaseUrl, AUTOMATION_MIGRATIONS, logger);
  return createApiService(AutomationTriggerModule.register(config, logger), logger);
}
