import { Kafka, logLevel } from 'kafkajs';
import { TOPIC_DECLARATIONS, readAvroSchema, valueSubject } from '@tracking/contracts';
import { ConfluentSchemaRegistryAdapter, ensureTopics, prepareKafkajs, type TopicOverrides, type TopicReport } from '@tracking/kafka';

export interface SchemaReport {
  subject: string;
  schemaId: number;
}

export interface ProvisioningReport {
  topics: TopicReport[];
  schemas: SchemaReport[];
}

/** Topics and value schemas from the declaration in libs/contracts; running it again changes nothing. */
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
  const registry = new ConfluentSchemaRegistryAdapter({ url: registryUrl });
  const schemas: SchemaReport[] = [];
  for (const declaration of TOPIC_DECLARATIONS) {
    if (!declaration.valueSchemaFile) continue;
    const subject = valueSubject(declaration.name);
    schemas.push({ subject, schemaId: await registry.register(subject, readAvroSchema(declaration.valueSchemaFile).text) });
  }
  return { topics, schemas };
}
