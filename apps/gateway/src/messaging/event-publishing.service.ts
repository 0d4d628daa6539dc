import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { TrackingEvent } from '@tracking/contracts';
import {
  ConfluentSchemaRegistryAdapter,
  KafkaClusterProbe,
  KafkaPublisher,
  TrackingEventPublisher,
  createKafkaClient,
} from '@tracking/kafka';
import { LOGGER, ReadinessRegistry, type Logger } from '@tracking/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

/** The gateway's link to Kafka and the schema registry: registers the event schema at start, publishes acknowledged. */
@Injectable()
export class EventPublishingService implements OnModuleInit, OnApplicationShutdown {
  private readonly publisher: KafkaPublisher;
  private readonly cluster: KafkaClusterProbe;
  private readonly registry: ConfluentSchemaRegistryAdapter;
  private events?: TrackingEventPublisher;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    readiness: ReadinessRegistry,
  ) {
    const kafka = createKafkaClient(config.kafka, logger);
    this.publisher = new KafkaPublisher(kafka, { compression: config.producer.compression, timeoutMs: config.producer.ackTimeoutMs });
    this.cluster = new KafkaClusterProbe(kafka);
    this.registry = new ConfluentSchemaRegistryAdapter(config.registry);
    readiness.register({ name: 'kafka', check: () => this.cluster.check() });
    readiness.register({ name: 'schema_registry', check: () => this.registry.ping() });
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([this.publisher.connect(), this.cluster.connect()]);
    this.events = await TrackingEventPublisher.create(this.publisher, this.registry);
    this.logger.info({ schemaId: this.events.schemaId }, 'tracking event schema registered');
  }

  async publish(events: readonly TrackingEvent[]): Promise<void> {
    if (!this.events) throw new Error('publisher used before the module initialised');
    await this.events.publish(events);
  }

  async onApplicationShutdown(): Promise<void> {
    // Disconnecting the producer waits for sends in flight, so acknowledged answers stay true.
    await Promise.allSettled([this.publisher.disconnect(), this.cluster.disconnect()]);
  }
}
