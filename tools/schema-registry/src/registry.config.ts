import { EnvReader, readKafkaSettings, readLogLevel, type Env, type KafkaSettings, type LogLevel } from '@tracking/config';

export interface RegistryConfig {
  host: string;
  port: number;
  topic: string;
  kafka: KafkaSettings;
  logLevel: LogLevel;
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
  reader.done();
  return config;
}
