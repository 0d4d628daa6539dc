import {
  TOPICS,
  TRACKING_EVENT_SCHEMA_FILE,
  createAvroSerializer,
  eventMessageKey,
  readAvroSchema,
  trackingEventHeaders,
  valueSubject,
  type AvroSerializer,
  type SchemaRegistryPort,
  type TrackingEvent,
} from '@tracking/contracts';
import type { Message } from 'kafkajs';
import type { KafkaPublisher } from './kafka-publisher';

/**
 * Encodes tracking events (Avro, Confluent framing, CloudEvents headers, session key) and publishes
 * them in one acknowledged send. Shared by the gateway and the backfill command.
 */
export class TrackingEventPublisher {
  private constructor(
    private readonly publisher: KafkaPublisher,
    private readonly serializer: AvroSerializer<TrackingEvent>,
  ) {}

  static async create(publisher: KafkaPublisher, registry: SchemaRegistryPort): Promise<TrackingEventPublisher> {
    const serializer = await createAvroSerializer<TrackingEvent>(
      registry,
      valueSubject(TOPICS.trackingEvents),
      readAvroSchema(TRACKING_EVENT_SCHEMA_FILE),
    );
    return new TrackingEventPublisher(publisher, serializer);
  }

  get schemaId(): number {
    return this.serializer.schemaId;
  }

  toMessage(event: TrackingEvent): Message {
    return {
      key: eventMessageKey(event),
      value: this.serializer.serialize(event),
      headers: trackingEventHeaders(event),
      timestamp: String(event.received_at),
    };
  }

  async publish(events: readonly TrackingEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.publisher.send(TOPICS.trackingEvents, events.map((event) => this.toMessage(event)));
  }
}
