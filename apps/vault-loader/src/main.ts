import { createLogger, exitOnShutdownSignal, exitOnStartupFailure } from '@tracking/observability';
import { loadVaultLoaderConfig } from './config/vault-loader.config';
import { createVaultLoader } from './vault-loader.factory';

async function main(): Promise<void> {
  const config = loadVaultLoaderConfig(process.env);
  const logger = createLogger('vault-loader', config.logLevel);
  const app = await createVaultLoader(config, logger);
  exitOnShutdownSignal(app, logger);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ health: `http://${config.host}:${config.port}/readyz`, groupId: config.groupId }, 'vault-loader running');
}

main().catch(exitOnStartupFailure('vault-loader'));
