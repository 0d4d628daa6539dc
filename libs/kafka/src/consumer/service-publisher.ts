import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { classifyConnectionFailure } from '../connection-failure';
import { KafkaPublisher } from '../kafka-publisher';

/**
 * The one idempotent producer of a consuming service: its dead letters and whatever else it
 * publishes (triggers, billing records) share it. Connected when the app initialises, disconnected
 * after the consumer has stopped (onApplicationShutdown comes after the transport's close).
 */
export class ServicePublisher extends KafkaPublisher implements OnModuleInit, OnApplicationShutdown {
  /**
   * Refused credentials, an untrusted certificate or no broker answering do not stop the start
   * (issue 16): the consumer's readiness says why, and a send after a failure gets a fresh
   * producer (KafkaPublisher renews it), so publishing works once the cluster accepts us.
   */
  async onModuleInit(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      if (classifyConnectionFailure(error).kind === 'other') throw error;
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.disconnect();
  }
}
