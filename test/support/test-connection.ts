import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { EnvReader, readKafkaSettings, readRegistrySettings, type KafkaSettings, type RegistrySettings } from '@tracking/config';
import { RegistryHttp } from '@tracking/kafka';
import { TEST_ENV_VARIABLES, type TestEnvironment } from './test-environment';

export { CONNECTION_SETTING_NAMES } from './test-environment';

/** How to authenticate to the test stack (TestEnvironment.connection), as the global setup left it. */
function connectionSettings(): Record<string, string> {
  return JSON.parse(process.env[TEST_ENV_VARIABLES.connection] ?? '{}') as Record<string, string>;
}

/** What a service (in process or a child) needs to reach the test stack's Kafka and registry. */
export function testConnectionEnv(env: Pick<TestEnvironment, 'kafkaBrokers' | 'schemaRegistryUrl'>): Record<string, string> {
  return { KAFKA_BROKERS: env.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: env.schemaRegistryUrl, ...connectionSettings() };
}

/** KafkaSettings for these brokers (usually the stack's), with the stack's TLS and SASL, read the way every service reads them. */
export function testKafkaSettings(brokers: readonly string[], clientId = 'integration-test'): KafkaSettings {
  const reader = new EnvReader('integration tests', { ...connectionSettings(), KAFKA_BROKERS: brokers.join(',') });
  const settings = readKafkaSettings(reader, clientId);
  reader.done();
  return settings;
}

export function testRegistrySettings(url: string): RegistrySettings {
  const reader = new EnvReader('integration tests', { ...connectionSettings(), SCHEMA_REGISTRY_URL: url });
  const settings = readRegistrySettings(reader);
  reader.done();
  return settings;
}

/** The Confluent library's client for the registry at `url`, with the stack's credentials and CA. */
export function testSchemaRegistry(url: string): SchemaRegistry {
  return new SchemaRegistry(new RegistryHttp(testRegistrySettings(url)).libraryOptions());
}
