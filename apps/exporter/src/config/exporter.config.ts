import {
  EnvReader,
  readKafkaSettings,
  readLogLevel,
  readRegistrySettings,
  type Env,
  type KafkaSettings,
  type LogLevel,
  type RegistrySettings,
} from '@tracking/config';

export interface ExporterConfig {
  host: string;
  port: number;
  logLevel: LogLevel;
  kafka: KafkaSettings;
  registry: RegistrySettings;
}

export const EXPORTER_CONFIG = Symbol('EXPORTER_CONFIG');

export function loadExporterConfig(env: Env): ExporterConfig {
  const reader = new EnvReader('exporter', env);
  const config: ExporterConfig = {
    host: reader.string('HOST', '127.0.0.1'),
    port: reader.port('EXPORTER_PORT', 3003),
    logLevel: readLogLevel(reader),
    kafka: readKafkaSettings(reader, 'exporter'),
    registry: readRegistrySettings(reader),
  };
  reader.done();
  return config;
}
