import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { KafkaPublisher } from '../kafka-publisher';

/**
 * The one idempotent producer of a consuming service: its dead letters and whatever else it
 * publishes (triggers, billing records) share it. Connected when the app initialises, disconnected
 * after the consumer has stopped (onApplicationShutdown comes after the transport's close).
 */
export class ServicePublisher extends KafkaPublisher implements OnModuleInit, OnApplicationShutdown {
  onModuleInit(): Promise<void> {
    return this.connect();
  }

  onApplicationShutdown(): Promise<void> {
    return this.disconnect();
  }
}
