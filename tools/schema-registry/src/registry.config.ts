import type { BasicAuthCredentials } from './basic-auth';
import { EnvReader, readBasicAuth, readKafkaSettings, readLogLevel, type Env, type KafkaSettings, type LogLevel } from '@tracking/config';

export interface RegistryConfig {
  host: string;
  port: number;
  topic: string;
  kafka: KafkaSettings;
  logLevel: LogLevel;
  /** Set: every request needs these credentials (basic auth). Unset: open, the local stack's default. */
  auth?: BasicAuthCredentials;
}

export function loadRegistryConfig(env: Env): RegistryConfig {
  const reader = new EnvReader('schema-registry', env);
  const config: RegistryConfig = {
    host: reader.string('SCHEMA_REGISTRY_HOST', '127.0.0.1'),
    port: reader.port('SCHEMA_REGISTRY_PORT', 8081),
    topic: reader.string('SCHEMA_REGISTRY_TOPIC', '_schemas'),
    kafka: readKafkaSettings(reader, 'schema-registry'),
    logLevel: readLogLevel(reader),
  };
  const auth = readBasicAuth(reader, 'SCHEMA_REGISTRY_SERVER');
  if (auth) config.auth = auth;
  reader.done();
  return config;
}
