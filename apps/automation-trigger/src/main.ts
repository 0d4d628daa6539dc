import { createLogger, exitOnShutdownSignal, exitOnStartupFailure } from '@tracking/observability';
import { createAutomationTrigger } from './automation-trigger.factory';
import { loadAutomationTriggerConfig } from './config/automation-trigger.config';

async function main(): Promise<void> {
  const config = loadAutomationTriggerConfig(process.env);
  const logger = createLogger('automation-trigger', config.logLevel);
  const app = await createAutomationTrigger(config, logger);
  exitOnShutdownSignal(app, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ health: `http://${config.host}:${config.port}/readyz`, groupId: config.groupId }, 'automation-trigger running');
}

main().catch(exitOnStartupFailure('automation-trigger'));
