import { AvroDeserializer, TOPICS, TRACKING_EVENT_SCHEMA_FILE, readAvroSchema } from '@tracking/contracts';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { benchKafka, benchRegistrySettings } from '../bench-connection';

/** What the measurement hands this process (as JSON, its one argument). */
export interface DecodeOnlySettings {
  brokers: string[];
  registryUrl: string;
  /** A group already positioned at the range's start. */
  groupId: string;
  /** Partition → end offset of the range (as strings: JSON has no bigint). */
  to: Record<string, string>;
}

/**
 * The exporter's baseline: a consumer that reads the same records with the same client and decodes
 * each with the same Avro reader, and does nothing else. Prints {"seconds", "records"} measured from
 * the group join to the last record of the range, the span the exporter is timed over too.
 */
async function main(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? '') as DecodeOnlySettings;
  const remaining = new Map(Object.entries(settings.to).map(([partition, end]) => [Number(partition), BigInt(end)]));
  const deserializer = new AvroDeserializer(new ConfluentSchemaRegistryAdapter(benchRegistrySettings(settings.registryUrl)), readAvroSchema(TRACKING_EVENT_SCHEMA_FILE).type);
  const consumer = benchKafka(settings.brokers, 'bench-decode-only').consumer({ groupId: settings.groupId });
  let joinedAt = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => (joinedAt = performance.now()));
  let records = 0;
  const finished = new Promise<void>((resolve, reject) => {
    const check = (): void => {
      for (const [partition, end] of remaining) if (end <= 0n) remaining.delete(partition);
      if (remaining.size === 0) resolve();
    };
    check();
    void consumer.connect().then(() => consumer.subscribe({ topic: TOPICS.trackingEvents })).then(() =>
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            if (message.value) await deserializer.deserialize(message.value);
            records++;
          }
          const end = remaining.get(batch.partition);
          if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
          check();
        },
      }),
    ).catch(reject);
  });
  await finished;
  const seconds = (performance.now() - joinedAt) / 1000;
  await consumer.disconnect();
  process.stdout.write(`${JSON.stringify({ seconds, records })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`decode-only: ${String(error)}\n`);
  process.exit(1);
});
