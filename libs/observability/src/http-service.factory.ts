import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { JsonNestLogger } from './logger';

/**
 * A Nest application on Fastify with JSON logs and shutdown hooks: every service, consumer or not,
 * serves /livez, /readyz and /metrics this way.
 */
export async function createHttpService(
  module: DynamicModule | Type,
  logger: Logger,
  fastifyOptions: FastifyServerOptions = {},
  /** False when the app registers its own body parsers. */
  bodyParser = true,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ logger: false, ...fastifyOptions });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    logger: new JsonNestLogger(logger.child({ component: 'nest' })),
    abortOnError: false,
    bodyParser,
  });
  app.enableShutdownHooks();
  return app;
}

/** Logs a fatal start-up error as one JSON line and exits non-zero. */
export function exitOnStartupFailure(service: string): (error: unknown) => never {
  return (error: unknown) => {
    const { message, stack } = error instanceof Error ? error : new Error(String(error));
    process.stderr.write(`${JSON.stringify({ level: 'fatal', service, message, stack })}\n`);
    process.exit(1);
  };
}
