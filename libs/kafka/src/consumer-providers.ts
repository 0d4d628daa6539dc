import type { Provider } from '@nestjs/common';
import { AvroDeserializer, TRACKING_EVENT_SCHEMA_FILE, readAvroSchema, type TrackingEvent } from '@tracking/contracts';
import type { KafkaSettings, RegistrySettings } from '@tracking/config';
import { ReadinessRegistry, type Logger } from '@tracking/observability';
import { createKafkaClient } from './kafka-client.factory';
import { ConfluentSchemaRegistryAdapter } from './schema-registry.adapter';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
export const SCHEMA_REGISTRY = Symbol('SCHEMA_REGISTRY');
export const TRACKING_EVENT_DESERIALIZER = Symbol('TRACKING_EVENT_DESERIALIZER');

/**
 * What every consuming service injects: the Kafka client, the registry client (checked by /readyz)
 * and the deserializer of tracking events into the schema this code was built with.
 */
export function consumerProviders(settings: { kafka: KafkaSettings; registry: RegistrySettings }, logger: Logger): Provider[] {
  return [
    { provide: KAFKA_CLIENT, useValue: createKafkaClient(settings.kafka, logger) },
    {
      provide: SCHEMA_REGISTRY,
      inject: [ReadinessRegistry],
      useFactory: (readiness: ReadinessRegistry): ConfluentSchemaRegistryAdapter => {
        const registry = new ConfluentSchemaRegistryAdapter(settings.registry);
        readiness.register({ name: 'schema_registry', check: () => registry.ping() });
        return registry;
      },
    },
    {
      provide: TRACKING_EVENT_DESERIALIZER,
      inject: [SCHEMA_REGISTRY],
      useFactory: (registry: ConfluentSchemaRegistryAdapter) => new AvroDeserializer<TrackingEvent>(registry, readAvroSchema(TRACKING_EVENT_SCHEMA_FILE).type),
    },
  ];
}
