import { createLogger, exitOnShutdownSignal, exitOnStartupFailure } from '@tracking/observability';
import { loadExporterConfig } from './config/exporter.config';
import { createExporter } from './exporter.factory';

async function main(): Promise<void> {
  const config = loadExporterConfig(process.env);
  const logger = createLogger('exporter', config.logLevel);
  // The AWS SDK warns through process.emitWarning (plain text on stderr); say it once, as JSON.
  if (Number(process.versions.node.split('.')[0]) < 22) {
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    logger.warn({ node: process.versions.node }, 'AWS SDK releases after January 2027 need Node.js 22; this one works on Node.js 20');
  }
  const app = await createExporter(config, logger);
  exitOnShutdownSignal(app, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ health: `http://${config.host}:${config.port}/readyz` }, 'exporter running');
}

main().catch(exitOnStartupFailure('exporter'));
