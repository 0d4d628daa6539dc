import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpService, type Logger } from '@tracking/observability';
import { serveOpenApi, type OpenApiInfo } from './openapi';
import { TRANSPORT_ERROR_OPTIONS, refuseLikeTheApi } from './transport-errors';

/**
 * `createHttpService` for a service whose refusals must keep seed 000's shape down to what Node and
 * Fastify refuse before any route runs (bad URL encoding, header bytes, a missing Host): without
 * these, those answers are Fastify's own body, or none. The module provides ApiExceptionFilter for
 * the rest. With `openApi`, the service documents its routes at /openapi.json and /docs. The
 * gateway wires the same pieces itself, after the hook that gives a request its id.
 */
export async function createApiService(module: DynamicModule | Type, logger: Logger, openApi?: OpenApiInfo): Promise<NestFastifyApplication> {
  const app = await createHttpService(module, logger, TRANSPORT_ERROR_OPTIONS);
  refuseLikeTheApi(app.getHttpAdapter().getInstance());
  if (openApi) serveOpenApi(app, openApi);
  return app;
}
