import type { Kafka } from 'kafkajs';
import type { SchemaRegistryPort, TrackingEvent } from '@tracking/contracts';
import { AvroTopicWriter, KafkaPublisher, TRACKING_EVENTS_TOPIC, type AvroTopicDefinition } from '@tracking/kafka';
import type { EventSink } from './backfill.runner';

/**
 * The gateway's topic definition (key, CloudEvents headers, value schema) without its record
 * timestamp. The gateway stamps records with received_at, which for a backfill is the historical
 * time: Kafka would then judge retention by it (a rolled segment of year-old history is deleted at
 * the next retention check, before a later replay could read it) and a time lookup (`replay
 * --from`) could not find the records, since it assumes timestamps grow along the log. Without
 * one, the producer stamps the time of the backfill; the event's own times stay in the value.
 */
const { timestamp: _historicalTimestamp, ...BACKFILL_EVENTS_TOPIC } = TRACKING_EVENTS_TOPIC;
export const BACKFILL_TOPIC_DEFINITION: AvroTopicDefinition<TrackingEvent> = BACKFILL_EVENTS_TOPIC;

/** Publishes accepted events with the gateway's producer: idempotent, acks=all, one acknowledged write per batch. */
export class KafkaEventSink implements EventSink {
  private constructor(
    private readonly publisher: KafkaPublisher,
    private readonly writer: AvroTopicWriter<TrackingEvent>,
  ) {}

  /** Registers (or finds) the value schema, then connects; either failing throws before any input is read. */
  static async open(kafka: Kafka, registry: SchemaRegistryPort, options: { ackTimeoutMs: number }): Promise<KafkaEventSink> {
    const writer = await AvroTopicWriter.create(registry, BACKFILL_TOPIC_DEFINITION);
    const publisher = new KafkaPublisher(kafka, { timeoutMs: options.ackTimeoutMs });
    await publisher.connect();
    return new KafkaEventSink(publisher, writer);
  }

  async publish(events: readonly TrackingEvent[]): Promise<number> {
    await this.publisher.sendBatch([this.writer.records(events)]);
    return events.length;
  }

  close(): Promise<void> {
    return this.publisher.disconnect();
  }
}

/** --dry-run: everything but the write. */
export const DRY_RUN_SINK: EventSink = { publish: () => Promise.resolve(0) };
