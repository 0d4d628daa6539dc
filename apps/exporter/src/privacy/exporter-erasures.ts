import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ErasureReport, ErasureRequestRecord, SchemaRegistryPort, TrackingEvent } from '@tracking/contracts';
import { BackgroundConnection, KAFKA_CLIENT, SCHEMA_REGISTRY } from '@tracking/kafka';
import { LOGGER, ReadinessRegistry, type Logger } from '@tracking/observability';
import { ErasureList, ErasureReporter, type ErasureRequestListener } from '@tracking/privacy';
import type { Kafka } from 'kafkajs';

/** How long a write waits for the erasure list to reach the topic's end before going on (logged). */
const REFRESH_TIMEOUT_MS = 5_000;

/**
 * The erasure list as the exporter uses it (issue 20): followed whole from privacy.erasures.v1 in every
 * instance, ready before the first event is consumed (createExporter waits for it), so no write ever
 * holds an erased subject's events; and where the exporter reports what it did with each request.
 */
@Injectable()
export class ExporterErasures implements OnModuleInit, OnApplicationShutdown {
  readonly list: ErasureList;
  private readonly reporter: ErasureReporter;
  private readonly connection: BackgroundConnection;
  /** The refresh in progress and when it began: a write that ended before it began may join it. */
  private refreshing?: { startedAt: number; done: Promise<boolean> };

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(SCHEMA_REGISTRY) registry: SchemaRegistryPort,
    readiness: ReadinessRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.list = new ErasureList(kafka, registry, logger, { readerName: 'exporter' });
    this.reporter = new ErasureReporter(kafka, registry);
    this.connection = new BackgroundConnection('privacy.erasures', () => this.list.start(), logger);
    readiness.register({ name: 'erasures', check: () => this.list.check() });
  }

  onModuleInit(): Promise<void> {
    return this.connection.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.connection.stop();
    await this.list.stop();
    await this.reporter.disconnect().catch(() => undefined);
  }

  /** Resolves once the list was read whole once. */
  get readyOnce(): Promise<void> {
    return this.list.readyOnce;
  }

  /** Whether the event's subject (its visitor or user id) is erased for its customer. */
  erased(customerId: string, event: Pick<TrackingEvent, 'visitor_id' | 'user_id'>): boolean {
    return this.list.isErased(customerId, { visitorId: event.visitor_id, userId: event.user_id });
  }

  requests(customerId?: string): readonly ErasureRequestRecord[] {
    return this.list.requests(customerId);
  }

  onRequest(listener: ErasureRequestListener): void {
    this.list.onRequest(listener);
  }

  /**
   * True once the list holds every request published before this call (read to the topic's end).
   * Concurrent callers share a refresh that began after they called, so a burst of writes costs one
   * offset request.
   */
  refresh(): Promise<boolean> {
    const now = Date.now();
    if (this.refreshing && this.refreshing.startedAt >= now) return this.refreshing.done;
    const done = this.list.refresh(REFRESH_TIMEOUT_MS).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'the erasure list could not be brought up to date');
      return false;
    });
    this.refreshing = { startedAt: now, done };
    return done;
  }

  report(report: ErasureReport): Promise<void> {
    return this.reporter.report(report);
  }
}
