import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { SchemaRegistryPort } from '@tracking/contracts';
import { BackgroundConnection, KAFKA_CLIENT, SCHEMA_REGISTRY } from '@tracking/kafka';
import { LOGGER, ReadinessRegistry, type Logger } from '@tracking/observability';
import { ErasureList, ErasureReporter } from '@tracking/privacy';

/**
 * Starts the erasure list with the service and keeps /readyz at 503 until the list is read to the end
 * it had at start: the consumer waits for the same moment (createAutomationTrigger), so no record, live
 * or replayed, is matched before every erasure older than the start is known. Kafka is reached in the
 * background like every other connection at start (issue 16).
 */
@Injectable()
export class ErasureListRunner implements OnModuleInit, OnApplicationShutdown {
  private readonly connection: BackgroundConnection;

  constructor(
    private readonly list: ErasureList,
    private readonly reporter: ErasureReporter,
    @Inject(LOGGER) logger: Logger,
    readiness: ReadinessRegistry,
  ) {
    this.connection = new BackgroundConnection('erasures', () => list.start(), logger);
    readiness.register({
      name: 'erasures',
      check: async () => {
        const reason = this.connection.notConnectedReason;
        if (reason !== undefined && reason !== 'not connected yet') throw new Error(reason);
        await list.check();
      },
    });
  }

  onModuleInit(): Promise<void> {
    return this.connection.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.connection.stop();
    await this.list.stop();
    await this.reporter.disconnect();
  }
}

/** The erasure list this instance follows, its reporter, and what runs them. */
export function erasureProviders(service: string): Provider[] {
  return [
    {
      provide: ErasureList,
      inject: [KAFKA_CLIENT, SCHEMA_REGISTRY, LOGGER],
      useFactory: (kafka: Kafka, registry: SchemaRegistryPort, logger: Logger) => new ErasureList(kafka, registry, logger, { readerName: service }),
    },
    {
      provide: ErasureReporter,
      inject: [KAFKA_CLIENT, SCHEMA_REGISTRY],
      useFactory: (kafka: Kafka, registry: SchemaRegistryPort) => new ErasureReporter(kafka, registry),
    },
    ErasureListRunner,
  ];
}
