import { createLogger, exitOnShutdownSignal, exitOnStartupFailure } from '@tracking/observability';
import { loadGatewayConfig } from './config/gateway.config';
import { createGateway } from './gateway.factory';

async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  const logger = createLogger('gateway', config.logLevel);
  const app = await createGateway(config, logger);
  exitOnShutdownSignal(app, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}` }, 'gateway listening');
}

main().catch(exitOnStartupFailure('gateway'));
