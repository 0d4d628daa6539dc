import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { KafkaSettings } from '@tracking/config';
import { kafkaConnection, prepareKafkajs } from '@tracking/kafka';
import { testKafkaSettings } from './test-connection';

type KafkaSecurity = Pick<KafkaSettings, 'tls' | 'sasl'>;

/**
 * TLS and SASL of the secured clusters a test file started, by broker address. The helpers take
 * broker lists (as every test passes them); looking the security up here lets a drill on a SASL_SSL
 * cluster use them unchanged, and leaves every plaintext caller as it was.
 */
const secured = new Map<string, KafkaSecurity>();

export function useKafkaSecurity(brokers: readonly string[], security: KafkaSecurity): void {
  for (const broker of brokers) secured.set(broker, security);
}

/**
 * A test's own kafkajs client of the brokers, quiet, with their TLS and SASL if they have any: those
 * a test file registered for them, else those the global setup was given for the stack
 * (TEST_CONNECTION_SETTINGS, see test-connection.ts).
 */
export function testKafka(brokers: string[], clientId = 'integration-test', options: Partial<KafkaConfig> = {}): Kafka {
  prepareKafkajs();
  const registered = brokers.map((broker) => secured.get(broker)).find((found) => found !== undefined);
  const settings: KafkaSettings = registered ? { brokers, clientId, ...registered } : testKafkaSettings(brokers, clientId);
  return new Kafka({ ...kafkaConnection(settings), logLevel: logLevel.NOTHING, ...options });
}
