import { Partitioners, type Message } from 'kafkajs';
import type * as Platformatic from '@platformatic/kafka' with { 'resolution-mode': 'import' };
import type { BenchContext } from '../bench-context';
import { BENCH_CUSTOMER } from '../bench-customer';
import { recreateBenchTopic, BENCH_TOPICS } from '../bench-topics';
import { RecordFactory, trackBodies } from '../event-corpus';
import type { Measurement } from '../measurement';
import { ratioRow, type BenchRow, type Figure } from '../results';

// @platformatic/kafka is published as ES modules only; Node 24 require()s them (as the exporter does hyparquet-writer).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Producer: PlatformaticProducer } = require('@platformatic/kafka') as typeof Platformatic;

const BATCH = 500;

/** The Avro records of the producer baselines, built once per run (building is not what is timed). */
function benchMessages(context: BenchContext): Promise<Message[]> {
  return context.memo('producer-messages', async () => {
    if (!context.customerConfigExists(BENCH_CUSTOMER)) context.writeCustomer(BENCH_CUSTOMER);
    const factory = await RecordFactory.create(context.registry, context.customerConfig(BENCH_CUSTOMER), Buffer.from(context.hashKey));
    return trackBodies(context.profile.producerRecords).map((body) => factory.message(body));
  });
}

/** Mean size of an event's Avro value (with its registry header), the record size of the perf test. */
export async function averageRecordBytes(context: BenchContext): Promise<number> {
  const messages = await benchMessages(context);
  const total = messages.reduce((sum, message) => sum + (message.value as Buffer).length, 0);
  return Math.round(total / messages.length);
}

function rate(records: number, startedAt: bigint): number {
  return records / (Number(process.hrtime.bigint() - startedAt) / 1e9);
}

/**
 * A bare kafkajs producer, configured as the gateway's (idempotent, acks=all), sending the events
 * in batches of 500 one after the other: the baseline of the gateway's bulk endpoint.
 */
export function kafkajsProducerRate(context: BenchContext): Promise<number> {
  return context.memo('kafkajs-producer', async () => {
    const messages = await benchMessages(context);
    await recreateBenchTopic(context.admin, BENCH_TOPICS.producerBaseline);
    const producer = context.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      context.progress(`kafkajs: ${messages.length.toLocaleString('en-US')} Avro records in batches of ${BATCH}`);
      const startedAt = process.hrtime.bigint();
      for (let i = 0; i < messages.length; i += BATCH) {
        await producer.send({ topic: BENCH_TOPICS.producerBaseline, messages: messages.slice(i, i + BATCH), acks: -1 });
      }
      return rate(messages.length, startedAt);
    } finally {
      await producer.disconnect();
    }
  });
}

/** The same harness with @platformatic/kafka: the data for deciding whether to leave kafkajs, which is unmaintained. */
async function platformaticProducerRate(context: BenchContext): Promise<number> {
  const messages = await benchMessages(context);
  await recreateBenchTopic(context.admin, BENCH_TOPICS.producerBaseline);
  const producer = new PlatformaticProducer({
    clientId: 'bench',
    bootstrapBrokers: context.connection.kafkaBrokers,
    idempotent: true,
    acks: -1,
  });
  const toProduce = messages.map((message) => ({
    topic: BENCH_TOPICS.producerBaseline,
    key: Buffer.from(message.key as string),
    value: message.value as Buffer,
    headers: new Map(Object.entries(message.headers ?? {}).map(([name, value]) => [Buffer.from(name), Buffer.from(String(value))])),
  }));
  try {
    context.progress(`@platformatic/kafka: ${messages.length.toLocaleString('en-US')} Avro records in batches of ${BATCH}`);
    const startedAt = process.hrtime.bigint();
    for (let i = 0; i < toProduce.length; i += BATCH) await producer.send({ messages: toProduce.slice(i, i + BATCH) });
    return rate(messages.length, startedAt);
  } finally {
    await producer.close();
  }
}

export const PRODUCERS: Measurement = {
  name: 'producers',
  async run(context): Promise<BenchRow[]> {
    const kafkajs: Figure = { value: await kafkajsProducerRate(context), unit: 'records/s' };
    const platformatic: Figure = { value: await platformaticProducerRate(context), unit: 'records/s' };
    return [
      ratioRow(
        `Kafka client: @platformatic/kafka 1.x, batches of ${BATCH}, idempotent, acks=all`,
        platformatic,
        { ...kafkajs, what: 'kafkajs 2.2.4, the same records and settings' },
        { kind: 'report' },
      ),
    ];
  },
};
