import { Kafka, logLevel } from 'kafkajs';
import { TOPIC_DECLARATIONS } from '@tracking/contracts';
import {
  ConfluentSchemaRegistryAdapter,
  describeIncompatible,
  ensureTopics,
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
export async function provision(brokers: string[], registryUrl: string, overrides: TopicOverrides): Promise<ProvisioningReport> {
  prepareKafkajs();
  const admin = new Kafka({ brokers, clientId: 'provisioning', logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  let topics: TopicReport[];
  try {
    topics = await ensureTopics(admin, TOPIC_DECLARATIONS, overrides);
  } finally {
    await admin.disconnect();
  }
  const schemas = await registerDeclaredSchemas(new ConfluentSchemaRegistryAdapter({ url: registryUrl }));
  const refused = describeIncompatible(schemas);
  if (refused) throw new Error(`schemas not registered, the registry would refuse them:\n${refused}`);
  return { topics, schemas };
}
