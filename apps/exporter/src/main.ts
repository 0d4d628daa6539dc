import { createLogger, exitOnShutdownSignal, exitOnStartupFailure } from '@tracking/observability';
import { loadExporterConfig } from './config/exporter.config';
import { createExporter } from './exporter.factory';

async function main(): Promise<void> {
  const config = loadExporterConfig(process.env);
  const logger = createLogger('exporter', config.logLevel);
  const app = await createExporter(config, logger);
  exitOnShutdownSignal(app, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ health: `http://${config.host}:${config.port}/readyz` }, 'exporter running');
}

main().catch(exitOnStartupFailure('exporter'));
