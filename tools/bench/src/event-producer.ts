import { TOPICS } from '@tracking/contracts';
import { KafkaPublisher } from '@tracking/kafka';
import type { BenchContext } from './bench-context';
import { trackBodies, RecordFactory } from './event-corpus';
import { endOffsets, type Offsets } from './kafka-positions';

export interface ProducedRange {
  /** End offsets of the events topic before and after: a group created at `from` reads exactly these events. */
  from: Offsets;
  to: Offsets;
  count: number;
}

/**
 * Puts `count` events of a bench customer on the events topic as the gateway would (same pipeline,
 * Avro, key and headers, idempotent acks=all producer) in batches of 500, for the consumer
 * measurements. Not itself a measurement.
 */
export async function produceEvents(context: BenchContext, customerId: string, count: number, seed = 7): Promise<ProducedRange> {
  const factory = await RecordFactory.create(context.registry, context.customerConfig(customerId), Buffer.from(context.hashKey));
  const publisher = new KafkaPublisher(context.kafka, { timeoutMs: 60_000 });
  await publisher.connect();
  const from = await endOffsets(context.admin, TOPICS.trackingEvents);
  try {
    const chunk = 10_000;
    for (let done = 0; done < count; done += chunk) {
      const bodies = trackBodies(Math.min(chunk, count - done), seed + done);
      const messages = bodies.map((body) => factory.message(body));
      for (let i = 0; i < messages.length; i += 500) await publisher.send(TOPICS.trackingEvents, messages.slice(i, i + 500));
      context.progress(`produced ${(done + bodies.length).toLocaleString('en-US')} / ${count.toLocaleString('en-US')} events for ${customerId}`);
    }
  } finally {
    await publisher.disconnect();
  }
  return { from, to: await endOffsets(context.admin, TOPICS.trackingEvents), count };
}
