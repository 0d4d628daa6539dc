import { randomUUID } from 'node:crypto';
import { CompressionCodecs, CompressionTypes, type Admin } from 'kafkajs';
import { KafkaPublisher, registerCompressionCodecs, type Compression } from '@tracking/kafka';
import { consumeFrom } from '@test/support/topic-reader';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * KAFKA_COMPRESSION=snappy|lz4|zstd on the real broker, both ways. Producing with our codec to a
 * topic that keeps the producer's compression makes the broker decompress the batch to validate it
 * (so Kafka's Java codecs read what we wrote); producing plain records to a topic whose
 * compression.type names the codec makes the broker compress them (so we read what Java wrote).
 * Counting the codec's calls proves the records really travelled compressed.
 */
const CODECS = [
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const satisfies readonly (readonly [Compression, CompressionTypes])[];

// About 150 KB, more than one LZ4 block (64 KiB in Java's frames) or xerial snappy chunk (32 KiB).
const VALUES = Array.from({ length: 300 }, (_, i) => JSON.stringify({ event_type: 'page_view', n: i, page_url: `https://example.com/products/${i % 23}`, note: 'x'.repeat(400) }));

describe('Kafka compression codecs on the real broker', () => {
  const env = testEnvironment();
  const kafka = testKafka(env.kafkaBrokers, 'it-compression');
  const created: string[] = [];
  const calls = { compress: 0, decompress: 0 };
  let admin: Admin;

  beforeAll(async () => {
    registerCompressionCodecs();
    for (const [, type] of CODECS) {
      const codec = (CompressionCodecs[type] as () => Codec)();
      CompressionCodecs[type] = () => ({
        compress: (encoder: { buffer: Buffer }) => ((calls.compress += 1), codec.compress(encoder)),
        decompress: (buffer: Buffer) => ((calls.decompress += 1), codec.decompress(buffer)),
      });
    }
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    registerCompressionCodecs();
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  beforeEach(() => {
    calls.compress = 0;
    calls.decompress = 0;
  });

  const newTopic = async (compressionType: string): Promise<string> => {
    const topic = `it.compression.${compressionType}.${randomUUID()}`;
    created.push(topic);
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'compression.type', value: compressionType }] }], waitForLeaders: true });
    return topic;
  };

  const readAll = async (topic: string): Promise<string[]> => {
    const values: string[] = [];
    const complete = await consumeFrom(env.kafkaBrokers, topic, new Map([[0, '0']]), (_partition, message) => {
      values.push(message.value?.toString() ?? '');
      return values.length === VALUES.length;
    }, 20_000);
    expect(complete).toBe(true);
    return values;
  };

  it.each(CODECS)('the gateway publisher sends %s that the broker accepts and a consumer reads back', async (compression) => {
    const topic = await newTopic('producer');
    const publisher = new KafkaPublisher(kafka, { compression, timeoutMs: 15_000 });
    await publisher.connect();
    try {
      await publisher.send(topic, VALUES.map((value) => ({ key: 'k', value })));
    } finally {
      await publisher.disconnect();
    }
    expect(calls.compress).toBeGreaterThan(0);

    expect(await readAll(topic)).toEqual(VALUES);
    expect(calls.decompress).toBeGreaterThan(0);
  });

  it.each(CODECS)('a consumer reads %s that the broker compressed itself', async (compression) => {
    const topic = await newTopic(compression);
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: VALUES.map((value) => ({ key: 'k', value })) });
    } finally {
      await producer.disconnect();
    }
    expect(calls.compress).toBe(0);

    expect(await readAll(topic)).toEqual(VALUES);
    expect(calls.decompress).toBeGreaterThan(0);
  });
});
