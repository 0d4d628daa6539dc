import { EnvReader, readServiceSettings, type Env, type ServiceSettings } from '@tracking/config';

export type ExporterConfig = ServiceSettings;

export const EXPORTER_CONFIG = Symbol('EXPORTER_CONFIG');

export function loadExporterConfig(env: Env): ExporterConfig {
  const reader = new EnvReader('exporter', env);
  const config = readServiceSettings(reader, 'exporter', { portVariable: 'EXPORTER_PORT', port: 3003, host: '127.0.0.1' });
  reader.done();
  return config;
}
