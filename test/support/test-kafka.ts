import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { KafkaSettings } from '@tracking/config';
import { kafkaConnection } from '@tracking/kafka';

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

/** A test's own kafkajs client of the brokers, quiet, with their TLS and SASL if they have any. */
export function testKafka(brokers: string[], clientId = 'integration-test', options: Partial<KafkaConfig> = {}): Kafka {
  const security = brokers.map((broker) => secured.get(broker)).find((found) => found !== undefined) ?? {};
  return new Kafka({ ...kafkaConnection({ brokers, clientId, ...security }), logLevel: logLevel.NOTHING, ...options });
}
