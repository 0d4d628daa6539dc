import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import type { Message } from 'kafkajs';
import { loadCustomerDirectory } from '@tracking/customers';
import { CoalescingPublisher, ConfluentSchemaRegistryAdapter, KafkaPublisher } from '@tracking/kafka';
import { benchKafka, benchRegistrySettings } from '../bench-connection';
import { RecordFactory } from '../event-corpus';

/** What the measurement hands this process (as JSON, its one argument), the gateway's own settings among it. */
export interface DurableBaselineSettings {
  brokers: string[];
  registryUrl: string;
  customersDir: string;
  customerId: string;
  hashKey: string;
  bodiesFile: string;
  lingerMs: number;
  maxBatchRecords: number;
  ackTimeoutMs: number;
}

/**
 * The minimal durable gateway: a bare Fastify route that answers 202 only after Kafka acknowledged
 * an Avro record, through the same coalescing acks=all idempotent producer with the gateway's
 * settings. The records are the gateway's own for the same bodies, encoded before the clock runs, so
 * the gateway's figure over this one is what authentication, validation, privacy rules, enrichment,
 * encoding and Nest cost, and this one's over the bare route is what durability costs.
 */
async function main(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? '') as DurableBaselineSettings;
  const customer = loadCustomerDirectory(settings.customersDir).customers.get(settings.customerId);
  if (!customer) throw new Error(`customer ${settings.customerId} not in ${settings.customersDir}`);
  const registry = new ConfluentSchemaRegistryAdapter(benchRegistrySettings(settings.registryUrl));
  const factory = await RecordFactory.create(registry, customer, Buffer.from(settings.hashKey));
  const messages: Message[] = readFileSync(settings.bodiesFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => factory.message(JSON.parse(line)));

  const kafka = benchKafka(settings.brokers, 'bench-durable-baseline');
  const publisher = new KafkaPublisher(kafka, { timeoutMs: settings.ackTimeoutMs });
  await publisher.connect();
  const coalescer = new CoalescingPublisher(publisher, {
    lingerMs: settings.lingerMs,
    maxRecords: settings.maxBatchRecords,
    deadlineMs: settings.ackTimeoutMs,
  });

  let next = 0;
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  app.post('/api/v1/track', async (_request, reply) => {
    const message = messages[next++ % messages.length] as Message;
    await coalescer.publish([{ topic: factory.topic, messages: [message] }]);
    return reply.code(202).send({ success: true });
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`${address}\n`);
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => coalescer.drain())
      .then(() => publisher.disconnect())
      .finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`durable-fastify: ${String(error)}\n`);
  process.exit(1);
});
