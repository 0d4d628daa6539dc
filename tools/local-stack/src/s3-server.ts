import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';
import { EnvReader, readLogLevel } from '@tracking/config';
import { createLogger, exitOnStartupFailure } from '@tracking/observability';

/**
 * The local S3 server: s3rver on a directory of .local/, started by the stack (local-s3.ts) as a
 * process of its own. Its own winston output is silenced; it logs JSON lines like every service.
 */
async function main(): Promise<void> {
  const reader = new EnvReader('s3-server', process.env);
  const host = reader.string('S3_SERVER_HOST', '127.0.0.1');
  const port = reader.port('S3_SERVER_PORT', 4568);
  const directory = reader.requiredString('S3_SERVER_DIR');
  const logLevel = readLogLevel(reader);
  reader.done();

  const logger = createLogger('s3-server', logLevel);
  mkdirSync(directory, { recursive: true });
  // Path-style only: with virtual hosts on, s3rver takes any Host name that is not an IP address
  // or localhost for a bucket name, so an endpoint such as http://s3.internal:4568 would break.
  const server = new S3rver({ address: host, port, directory, silent: true, vhostBuckets: false });
  server.on('error', (error, context) => {
    // S3 answers such as NoSuchKey (404) or BucketAlreadyExists (409) are the API working.
    const status = error.status ?? 500;
    const fields = { method: context.method, path: context.path, status, code: error.code };
    if (status >= 500) logger.error({ ...fields, err: error }, 'S3 request failed');
    else logger.debug(fields, 'S3 request refused');
  });
  await server.run();
  if (logger.isLevelEnabled('debug')) {
    server.httpServer?.on('request', (request, response) => {
      const startedAt = process.hrtime.bigint();
      response.once('finish', () => {
        const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
        logger.debug({ method: request.method, url: request.url, status: response.statusCode, ms: Math.round(ms) }, 'S3 request');
      });
    });
  }
  logger.info({ url: `http://${host}:${port}`, directory }, 's3 server listening');

  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 's3 server stopping');
    // Requests in flight finish; a client that keeps its connection busy longer is not waited for.
    setTimeout(() => {
      logger.error('s3 server did not stop within 5s; exiting');
      process.exit(1);
    }, 5000).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 's3 server stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch(exitOnStartupFailure('s3-server'));
