import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import type { KafkaSettings, RegistrySettings } from '@tracking/config';
import { BackgroundConnection, ConfluentSchemaRegistryAdapter, createKafkaClient } from '@tracking/kafka';
import { LOGGER, ReadinessRegistry, type Logger } from '@tracking/observability';
import { ErasureList } from './erasure-list';
import { ErasureReporter } from './erasure-publishers';
import { ErasureReports } from './erasure-reports';

export const ERASURE_LIST = Symbol('ERASURE_LIST');
export const ERASURE_REPORTER = Symbol('ERASURE_REPORTER');

export interface ErasureListSettings {
  kafka: KafkaSettings;
  registry: RegistrySettings;
  /** Names the reader's consumer group (`<service>-erasures-<random>`). */
  service: string;
}

/**
 * Starts the erasure list with the service and keeps /readyz at 503 until the whole list has been
 * read once: an instance that wrote before would write erased subjects again. Reached like every
 * other Kafka connection at start: no cluster leaves the service up, not ready, connecting.
 */
@Injectable()
export class ErasureListRunner implements OnModuleInit, OnApplicationShutdown {
  private readonly connection: BackgroundConnection;

  constructor(
    @Inject(ERASURE_LIST) private readonly list: ErasureList,
    @Inject(ERASURE_REPORTER) private readonly reporter: ErasureReporter,
    @Inject(LOGGER) private readonly logger: Logger,
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

  async onModuleInit(): Promise<void> {
    await this.connection.start();
    this.logger.info({ ready: this.list.ready, requests: this.list.requests().length }, 'erasure list started');
  }

  async onApplicationShutdown(): Promise<void> {
    this.connection.stop();
    await this.list.stop();
    await this.reporter.disconnect().catch(() => undefined);
  }
}

/** The erasure list (ERASURE_LIST) and a reporter (ERASURE_REPORTER) for a service, started and stopped with it. */
export function erasureListProviders(settings: ErasureListSettings): Provider[] {
  return [
    {
      provide: ERASURE_LIST,
      inject: [LOGGER],
      useFactory: (logger: Logger) =>
        new ErasureList(createKafkaClient(settings.kafka, logger), new ConfluentSchemaRegistryAdapter(settings.registry), logger, { readerName: settings.service }),
    },
    {
      provide: ERASURE_REPORTER,
      inject: [LOGGER],
      useFactory: (logger: Logger) => new ErasureReporter(createKafkaClient(settings.kafka, logger), new ConfluentSchemaRegistryAdapter(settings.registry)),
    },
    ErasureListRunner,
  ];
}

export const ERASURE_REPORTS = Symbol('ERASURE_REPORTS');

/** Follows the reports topic in the background for a status API; not part of readiness (the status answers 503 until read). */
@Injectable()
export class ErasureReportsRunner implements OnModuleInit, OnApplicationShutdown {
  private readonly connection: BackgroundConnection;

  constructor(@Inject(ERASURE_REPORTS) private readonly reports: ErasureReports, @Inject(LOGGER) logger: Logger) {
    this.connection = new BackgroundConnection('erasure reports', () => reports.start(), logger);
  }

  async onModuleInit(): Promise<void> {
    await this.connection.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.connection.stop();
    await this.reports.stop();
  }
}

/** The reports of every place (ERASURE_REPORTS), followed while the service runs. */
export function erasureReportsProviders(settings: ErasureListSettings): Provider[] {
  return [
    {
      provide: ERASURE_REPORTS,
      inject: [LOGGER],
      useFactory: (logger: Logger) =>
        new ErasureReports(createKafkaClient(settings.kafka, logger), new ConfluentSchemaRegistryAdapter(settings.registry), logger, { readerName: settings.service }),
    },
    ErasureReportsRunner,
  ];
}
