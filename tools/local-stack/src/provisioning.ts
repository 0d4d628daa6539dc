import { Kafka, logLevel } from 'kafkajs';
import type { KafkaSettings, RegistrySettings } from '@tracking/config';
import { TOPIC_DECLARATIONS } from '@tracking/contracts';
import {
  ConfluentSchemaRegistryAdapter,
  describeIncompatible,
  ensureTopics,
  kafkaConnection,
  prepareKafkajs,
  registerDeclaredSchemas,
  type SchemaRegistration,
  type TopicOverrides,
  type TopicReport,
} from '@tracking/kafka';

export interface ProvisioningReport {
  topics: TopicReport[];
  schemas: SchemaRegistration[];
}

/**
 * Topics and value schemas from the declaration in libs/contracts, before any service starts (the
 * services only look their schemas up). Running it again changes nothing; a schema the registry
 * would refuse as its subject's next version stops it, naming subject and version.
 */
export async function provision(kafka: KafkaSettings | string[], registry: RegistrySettings | string, overrides: TopicOverrides): Promise<ProvisioningReport> {
  prepareKafkajs();
  // A bare broker list or URL is the plaintext, open local stack; a deployment passes its settings.
  const kafkaSettings = Array.isArray(kafka) ? { brokers: kafka, clientId: 'provisioning' } : kafka;
  const registrySettings = typeof registry === 'string' ? { url: registry } : registry;
  const admin = new Kafka({ ...kafkaConnection(kafkaSettings), logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  let topics: TopicReport[];
  try {
    topics = await ensureTopics(admin, TOPIC_DECLARATIONS, overrides);
  } finally {
    await admin.disconnect();
  }
  const schemas = await registerDeclaredSchemas(new ConfluentSchemaRegistryAdapter(registrySettings));
  const refused = describeIncompatible(schemas);
  if (refused) throw new Error(`schemas not registered, the registry would refuse them:\n${refused}`);
  return { topics, schemas };
}
