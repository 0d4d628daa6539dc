import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConnection } from './local-stack';

/**
 * The client settings of what the stack runs, named as every service reads them (README,
 * "Production deployment"): what `npm start` hands the services, and what a user's own tools load.
 */
export function clientEnvironment(connection: StackConnection): Record<string, string> {
  const env: Record<string, string> = { KAFKA_BROKERS: connection.kafkaBrokers.join(',') };
  if (connection.kafkaSecurity) {
    env['KAFKA_SSL'] = 'true';
    env['KAFKA_SSL_CA_FILE'] = connection.kafkaSecurity.caFile;
    env['KAFKA_SASL_MECHANISM'] = connection.kafkaSecurity.mechanism;
    env['KAFKA_SASL_USERNAME'] = connection.kafkaSecurity.username;
    env['KAFKA_SASL_PASSWORD'] = connection.kafkaSecurity.password;
  }
  env['SCHEMA_REGISTRY_URL'] = connection.schemaRegistryUrl;
  if (connection.registryAuth) {
    env['SCHEMA_REGISTRY_USERNAME'] = connection.registryAuth.username;
    env['SCHEMA_REGISTRY_PASSWORD'] = connection.registryAuth.password;
  }
  env['DATABASE_URL'] = connection.databaseUrl;
  env['REDIS_URL'] = connection.redisUrl;
  env['S3_ENDPOINT'] = connection.s3Endpoint;
  env['TRACKING_HASH_KEY'] = connection.hashKey;
  return env;
}

/** Single quotes keep every character literal; a single quote itself ends, escapes and reopens. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `<stackDir>/stack.env`, mode 0600 (it may hold passwords); returns its path. */
export function writeStackEnv(stackDir: string, connection: StackConnection): string {
  const file = join(stackDir, 'stack.env');
  const lines = [
    '# Client settings of the local stack, written by `npm run stack:up` / `npm start`.',
    '# Load them into a shell with: set -a; . ./.local/stack.env; set +a',
    ...Object.entries(clientEnvironment(connection)).map(([name, value]) => `${name}=${shellQuote(value)}`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
