import { Kafka, logLevel } from 'kafkajs';
import type { ConnectionOptions as PlatformaticConnection } from '@platformatic/kafka' with { 'resolution-mode': 'import' };
import { CONNECTION_SETTING_NAMES, EnvReader, readKafkaSettings, readRegistrySettings, type KafkaSettings, type RegistrySettings } from '@tracking/config';
import { kafkaConnection, prepareKafkajs } from '@tracking/kafka';

/**
 * The bench's clients connect as the services do: brokers and registry from the stack the bench
 * started, TLS, SASL and registry credentials from the bench's environment (KAFKA_SSL*,
 * KAFKA_SASL_*, SCHEMA_REGISTRY_*), when a secured stack needs them. Secrets stay in the
 * environment: the load processes get brokers and URL as arguments and read the rest themselves.
 */
export function benchKafkaSettings(brokers: readonly string[], clientId: string, env: NodeJS.ProcessEnv = process.env): KafkaSettings {
  const reader = new EnvReader('bench', { ...env, KAFKA_BROKERS: brokers.join(','), KAFKA_CLIENT_ID: undefined });
  const settings = readKafkaSettings(reader, clientId);
  reader.done();
  return settings;
}

export function benchRegistrySettings(url: string, env: NodeJS.ProcessEnv = process.env): RegistrySettings {
  const reader = new EnvReader('bench', { ...env, SCHEMA_REGISTRY_URL: url });
  const settings = readRegistrySettings(reader);
  reader.done();
  return settings;
}

export function benchKafka(brokers: readonly string[], clientId: string): Kafka {
  prepareKafkajs();
  return new Kafka({ ...kafkaConnection(benchKafkaSettings(brokers, clientId)), logLevel: logLevel.NOTHING });
}

/** The same connection for @platformatic/kafka, whose admin commits group offsets outside a generation. */
export function platformaticConnection(brokers: readonly string[], clientId: string): { clientId: string; bootstrapBrokers: string[] } & Pick<PlatformaticConnection, 'tls' | 'sasl'> {
  const settings = benchKafkaSettings(brokers, clientId);
  const connection: { clientId: string; bootstrapBrokers: string[] } & Pick<PlatformaticConnection, 'tls' | 'sasl'> = { clientId: settings.clientId, bootstrapBrokers: settings.brokers };
  if (settings.tls) connection.tls = { ...settings.tls };
  if (settings.sasl) {
    const mechanism = ({ plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const)[settings.sasl.mechanism];
    connection.sasl = { mechanism, username: settings.sasl.username, password: settings.sasl.password };
  }
  return connection;
}

/** What the bench passes to the services it starts, beside the stack's addresses. */
export function benchConnectionEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const name of CONNECTION_SETTING_NAMES) {
    const value = env[name];
    if (value !== undefined && value !== '') passed[name] = value;
  }
  return passed;
}
