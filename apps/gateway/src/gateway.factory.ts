import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpService, createLogger, type Logger } from '@tracking/observability';
import { GatewayModule } from './app.module';
import type { GatewayConfig } from './config/gateway.config';

/** Builds the gateway application; main.ts listens on it, tests start it in-process on a free port. */
export async function createGateway(config: GatewayConfig, logger: Logger = createLogger('gateway', config.logLevel)): Promise<NestFastifyApplication> {
  const app = await createHttpService(GatewayModule.register(config, logger), logger, {
    bodyLimit: config.maxBodyBytes,
    trustProxy: config.trustProxy,
    // Parse `__proto__` and `constructor` keys as plain data instead of failing the whole body as
    // "not JSON": validation then names the offending field, and nothing merges unvalidated input.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
  });
  // JSON only; text/plain (sendBeacon) is accepted by the browser collection route alone.
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  if (config.ipHashKeyGenerated) {
    logger.warn('TRACKING_IP_HASH_KEY is not set: IP hashes use a random key and will not match across restarts');
  }
  return app;
}
