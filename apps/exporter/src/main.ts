import { createApiService } from '@tracking/http';
import { createLogger, exitOnShutdownSignal, exitOnStartupFailure } from '@tracking/observability';
import { ExporterModule } from './app.module';
import { loadExporterConfig } from './config/exporter.config';
import { loadExportTargets } from './targets/export-targets';

async function main(): Promise<void> {
  const config = loadExporterConfig(process.env);
  const logger = createLogger('exporter', config.logLevel);
  // The AWS SDK warns through process.emitWarning (plain text on stderr); say it once, as JSON.
  if (Number(process.versions.node.split('.')[0]) < 22) {
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    logger.warn({ node: process.versions.node }, 'AWS SDK releases after January 2027 need Node.js 22; this one works on Node.js 20');
  }
  const targets = loadExportTargets(config.customersDir, config.env, { endpoint: config.s3Endpoint, realTimeMs: config.realTimeMs });
  const app = await createApiService(ExporterModule.register(config, targets, logger), logger);
  exitOnShutdownSignal(app, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ health: `http://${config.host}:${config.port}/readyz`, customers: [...targets.targets.keys()] }, 'exporter running');
}

main().catch(exitOnStartupFailure('exporter'));
