import { createHttpService, createLogger, exitOnShutdownSignal, exitOnStartupFailure } from '@tracking/observability';
import { AutomationTriggerModule } from './app.module';
import { loadAutomationTriggerConfig } from './config/automation-trigger.config';

async function main(): Promise<void> {
  const config = loadAutomationTriggerConfig(process.env);
  const logger = createLogger('automation-trigger', config.logLevel);
  const app = await createHttpService(AutomationTriggerModule.register(config, logger), logger);
  exitOnShutdownSignal(app, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ health: `http://${config.host}:${config.port}/readyz` }, 'automation-trigger running');
}

main().catch(exitOnStartupFailure('automation-trigger'));
