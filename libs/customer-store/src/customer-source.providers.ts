import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import type { KafkaSettings, RegistrySettings } from '@tracking/config';
import { BackgroundConnection, ConfluentSchemaRegistryAdapter, createKafkaClient } from '@tracking/kafka';
import { LOGGER, ReadinessRegistry, type Logger } from '@tracking/observability';
import type { CustomerSource } from './customer-source';
import { DirectoryCustomerSource } from './directory-customer-source';
import { TopicCustomerSource } from './topic-customer-source';

export const CUSTOMER_SOURCE = Symbol('CUSTOMER_SOURCE');

/** Where a service's customers come from: the shared topic, unless a directory is named (development and tests). */
export interface CustomerSourceSettings {
  kafka: KafkaSettings;
  registry: RegistrySettings;
  /** CUSTOMERS_DIR: read this instance's own directory instead of the topic. */
  customersDir?: string;
  /** How often that directory is read again (0: only at start). */
  directoryPollMs: number;
  /** Names the reader's consumer group (`<service>-customers-<random>`). */
  service: string;
}

export function createCustomerSource(settings: CustomerSourceSettings, logger: Logger): CustomerSource {
  if (settings.customersDir !== undefined) return new DirectoryCustomerSource(settings.customersDir, settings.directoryPollMs, logger);
  return new TopicCustomerSource(createKafkaClient(settings.kafka, logger), new ConfluentSchemaRegistryAdapter(settings.registry), logger, {
    readerName: settings.service,
  });
}

/**
 * Starts the source with the service and keeps /readyz at 503 until every customer has been read
 * once: an instance that answered before would refuse customers the others serve. The topic is
 * reached like every other Kafka connection at start (issue 16): refused credentials or no cluster
 * leave the service up, not ready, and connecting in the background.
 */
@Injectable()
export class CustomerSourceRunner implements OnModuleInit, OnApplicationShutdown {
  private readonly connection: BackgroundConnection;

  constructor(
    @Inject(CUSTOMER_SOURCE) private readonly source: CustomerSource,
    @Inject(LOGGER) private readonly logger: Logger,
    readiness: ReadinessRegistry,
  ) {
    this.connection = new BackgroundConnection('customers', () => source.start(), logger);
    readiness.register({
      name: 'customers',
      check: async () => {
        const reason = this.connection.notConnectedReason;
        if (reason !== undefined && reason !== 'not connected yet') throw new Error(reason);
        await source.check();
      },
    });
  }

  async onModuleInit(): Promise<void> {
    await this.connection.start();
    this.logger.info({ source: this.source.description, ready: this.source.ready, customers: this.source.documents().size }, 'customer configuration source started');
  }

  async onApplicationShutdown(): Promise<void> {
    this.connection.stop();
    await this.source.stop();
  }
}

export function customerSourceProviders(settings: CustomerSourceSettings): Provider[] {
  return [
    { provide: CUSTOMER_SOURCE, inject: [LOGGER], useFactory: (logger: Logger) => createCustomerSource(settings, logger) },
    CustomerSourceRunner,
  ];
}
