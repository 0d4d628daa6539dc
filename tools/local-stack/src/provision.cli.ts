import { EnvReader, readKafkaSettings, readRegistrySettings } from '@tracking/config';
import { resolve } from 'node:path';
import { applyCustomerDirectory, provision } from './provisioning';

/**
 * Creates or updates the declared topics and registers the value schemas on any cluster and
 * registry (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, and their TLS, SASL and basic auth settings): the one-shot `provision` service of
 * docker-compose, and a deployment step; with CUSTOMERS_DIR, applies that directory's customers to
 * the shared topic as `tracking customers apply` does. Prints the report as JSON.
 */
async function main(): Promise<void> {
  const reader = new EnvReader('provision', process.env);
  const kafka = readKafkaSettings(reader, 'provisioning');
  const registry = readRegistrySettings(reader);
  const partitions = reader.integer('KAFKA_TOPIC_PARTITIONS', 0, { min: 0, max: 1000 });
  // Customers to apply to the shared topic after provisioning (compose: the example customers); unset, none.
  const customersDir = reader.optionalString('CUSTOMERS_DIR');
  reader.done();
  const report = await provision(kafka, registry, { partitions: partitions > 0 ? partitions : undefined });
  const customers = customersDir ? await applyCustomerDirectory(kafka, registry, resolve(customersDir), 'provisioning') : [];
  process.stdout.write(`${JSON.stringify({ ...report, customers })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`provision: ${(error as Error).message}\n`);
  process.exit(1);
});
