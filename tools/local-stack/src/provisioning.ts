import { Kafka, logLevel } from 'kafkajs';
import type { KafkaSettings, RegistrySettings } from '@tracking/config';
import { TOPIC_DECLARATIONS, type CustomerTexts } from '@tracking/contracts';
import { readCustomerDirectoryTexts } from '@tracking/customers';
import { CustomerStoreClient, CustomersInvalidError, type PlannedCustomer } from '@tracking/customer-store';
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

/**
 * Applies a directory of customers (seed 000's layout) to the shared topic, as `tracking customers
 * apply` does: all checked first, nothing published when one is invalid, only changed customers
 * published. The local stack and compose's provisioning apply the example customers this way.
 */
export async function applyCustomerDirectory(kafka: KafkaSettings, registry: RegistrySettings, directory: string, by: string): Promise<PlannedCustomer[]> {
  prepareKafkajs();
  const { customers, errors } = readCustomerDirectoryTexts(directory);
  if (errors.length > 0) throw new CustomersInvalidError(new Map(errors.map((error) => [error.customerId, error.problems])));
  const client = new CustomerStoreClient(new Kafka({ ...kafkaConnection(kafka), logLevel: logLevel.ERROR }), new ConfluentSchemaRegistryAdapter(registry));
  const wanted: ReadonlyMap<string, CustomerTexts> = customers;
  const plan = await client.apply(wanted, { by, at: Date.now(), via: `provisioning ${directory}` });
  return plan.customers;
}
