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
  // While closing, answers carry `Connection: close`: a client's keep-alive socket would otherwise
  // hold the server open after the last request in flight has been answered.
  const fastify = app.getHttpAdapter().getInstance();
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('Connection', 'close');
  });
  return app;
}

/**
 * SIGTERM or SIGINT: stop taking requests, let those in flight finish and every provider shut down
 * in order (producers flush, consumers commit), then exit 0; exit 1 if that takes longer than the grace.
 */
export function exitOnShutdownSignal(app: { close(): Promise<void> }, logger: Logger, graceMs = 30_000): void {
  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/** Logs a fatal start-up error as one JSON line and exits non-zero. */
export function exitOnStartupFailure(service: string): (error: unknown) => never {
  return (error: unknown) => {
    const { message, stack } = error instanceof Error ? error : new Error(String(error));
    process.stderr.write(`${JSON.stringify({ level: 'fatal', service, message, stack })}\n`);
    process.exit(1);
  };
}
