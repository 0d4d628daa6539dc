import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { runMigrations } from '@tracking/database';
import { TRANSPORT_ERROR_OPTIONS, refuseLikeTheApi, serveOpenApi } from '@tracking/http';
import { METRICS_REGISTRY, createHttpService, createLogger, type Logger } from '@tracking/observability';
import { GatewayModule } from './app.module';
import type { GatewayConfig } from './config/gateway.config';
import { observeRequests } from './http/request-observer';
import { RequestHealthRecorder } from './gateway-health/request-health.recorder';
import { GATEWAY_MIGRATIONS } from './database/migrations';
import { serveConsole } from './console/console-static';

const BULK_ROUTE = '/api/v1/track/bulk';

/** Builds the gateway application; main.ts listens on it, tests start it in-process on a free port. */
export async function createGateway(config: GatewayConfig, logger: Logger = createLogger('gateway', config.logLevel)): Promise<NestFastifyApplication> {
  if (config.migrateOnStart) await runMigrations(config.databaseUrl, GATEWAY_MIGRATIONS, logger);
  const app = await createHttpService(GatewayModule.register(config, logger), logger, {
    bodyLimit: config.maxBodyBytes,
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true },
    ...TRANSPORT_ERROR_OPTIONS,
  }, false);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRoute', (route) => {
    if (route.url === BULK_ROUTE) route.bodyLimit = config.maxBulkBodyBytes;
  });
  // JSON.parse keeps `__proto__` and `constructor` as plain own keys instead of failing the whole body
  // as "not JSON": validation then names the offending field, and nothing merges unvalidated input.
  // One JSON parser for both types: navigator.sendBeacon sends JSON as text/plain (JsonBodyGuard keeps
  // every other route JSON-only), and an empty body is "no body" (a DELETE from a client that always
  // sets Content-Type), which validation then judges like any other missing field.
  const parseJson = (_request: unknown, body: string | Buffer, done: (error: Error | null, value?: unknown) => void): void => {
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body.toString()));
    } catch {
      done(Object.assign(new Error('Body is not valid JSON'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), undefined);
    }
  };
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, parseJson);
  observeRequests(fastify, logger, app.get(METRICS_REGISTRY), app.get(RequestHealthRecorder));
  // After observeRequests: a refused request still gets its request id (and audit record).
  refuseLikeTheApi(fastify);

  serveConsole(fastify, config.console.dir);

  serveOpenApi(app, {
    title: 'Tracking gateway',
    description: 'Ingestion API of the tracking platform (seed 000 contract, seed 002 browser collection and keys).',
    version: '2.0.0',
    customerToken: true,
  });

  return app;
}
