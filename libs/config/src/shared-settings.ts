import type { EnvReader } from './env-reader';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
}

export interface RegistrySettings {
  url: string;
}

/** Settings every service reads the same way; documented once in the README. */
export function readKafkaSettings(env: EnvReader, clientId: string): KafkaSettings {
  return {
    brokers: env.hostPorts('KAFKA_BROKERS', '127.0.0.1:9092'),
    clientId: env.string('KAFKA_CLIENT_ID', clientId),
  };
}

export function readRegistrySettings(env: EnvReader): RegistrySettings {
  return { url: env.url('SCHEMA_REGISTRY_URL', 'http://127.0.0.1:8081') };
}

export function readLogLevel(env: EnvReader): LogLevel {
  return env.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
}

/** The embedded PostgreSQL of the local stack; README documents this URL. */
export const EMBEDDED_DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:54329/tracking';

export function readDatabaseUrl(env: EnvReader): string {
  return env.url('DATABASE_URL', EMBEDDED_DATABASE_URL, ['postgres:', 'postgresql:']);
}

/** What every service reads: where it listens, how it logs, where Kafka and the registry are. */
export interface ServiceSettings {
  host: string;
  port: number;
  logLevel: LogLevel;
  kafka: KafkaSettings;
  registry: RegistrySettings;
}

export function readServiceSettings(
  env: EnvReader,
  service: string,
  listen: { portVariable: string; port: number; host: string },
): ServiceSettings {
  return {
    host: env.string('HOST', listen.host),
    port: env.port(listen.portVariable, listen.port),
    logLevel: readLogLevel(env),
    kafka: readKafkaSettings(env, service),
    registry: readRegistrySettings(env),
  };
}
