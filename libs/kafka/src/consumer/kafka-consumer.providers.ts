import { Catch, type INestApplication, type Provider, type RpcExceptionFilter, type Type } from '@nestjs/common';
import type { MicroserviceOptions, NestMicroservice } from '@nestjs/microservices';
import type { Kafka } from 'kafkajs';
import { type Observable, throwError } from 'rxjs';
import { CONSUMER_SUBSCRIPTIONS, DEAD_LETTER_TOPICS, type ConsumingService } from '@tracking/contracts';
import type { ConsumerFetchSettings, KafkaSettings, RegistrySettings, ReplayBounds } from '@tracking/config';
import { METRICS_REGISTRY, ReadinessRegistry, type Logger } from '@tracking/observability';
import type { Registry } from 'prom-client';
import { createKafkaClient } from '../kafka-client.factory';
import { ConfluentSchemaRegistryAdapter } from '../schema-registry.adapter';
import { CONSUMER_CONTROL, type RecordInterest } from './consumer-batch';
import { ConsumerMetrics } from './consumer.metrics';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { KafkaBatchTransport } from './kafka-batch.transport';
import { RecordDecoders } from './record-decoders';
import { AuditTopicSink } from './audit-topic.sink';
import { ServicePublisher } from './service-publisher';
import { ReplayWindow } from './replay-window';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
export const SCHEMA_REGISTRY = Symbol('SCHEMA_REGISTRY');

/** What each consuming service's configuration says about its consumer. */
export interface ConsumingServiceSettings {
  kafka: KafkaSettings;
  registry: RegistrySettings;
  groupId: string;
  /** How long the group waits for a member that stopped heartbeating (e.g. a killed process) before rebalancing. */
  sessionTimeoutMs: number;
  /** KAFKA_FETCH_MAX_KB, KAFKA_FETCH_PARTITION_MAX_KB: see KafkaConsumerOptions.fetch. */
  fetch: ConsumerFetchSettings;
  /** See KafkaConsumerOptions.partitionsConcurrently. */
  partitionsConcurrently?: number;
  /** Set by `tracking replay --to/--customer`: a bounded run under a temporary group, which then exits. */
  replay?: ReplayBounds;
  /** See KafkaConsumerOptions.memberUserData. */
  memberUserData?: Buffer;
}

/** Prefix of the transport's metrics (`<prefix>_records_consumed_total`, ...), as each service names its own. */
const METRIC_PREFIXES: Readonly<Record<ConsumingService, string>> = {
  vaultLoader: 'vault_loader',
  automationTrigger: 'automation',
  exporter: 'exporter',
};

/**
 * What every consuming service provides: the Kafka client, the registry client (checked by /readyz),
 * the decoders, its one producer, the dead-letter publisher, the audit sink of its admin routes and
 * the transport that ties them together.
 */
export function consumingServiceProviders(service: ConsumingService, settings: ConsumingServiceSettings, logger: Logger): Provider[] {
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
    { provide: RecordDecoders, inject: [SCHEMA_REGISTRY], useFactory: (registry: ConfluentSchemaRegistryAdapter) => new RecordDecoders(registry) },
    { provide: ServicePublisher, inject: [KAFKA_CLIENT], useFactory: (kafka: Kafka) => new ServicePublisher(kafka) },
    {
      provide: AuditTopicSink,
      inject: [ServicePublisher, SCHEMA_REGISTRY],
      useFactory: (publisher: ServicePublisher, registry: ConfluentSchemaRegistryAdapter) => new AuditTopicSink(publisher, registry),
    },
    { provide: DeadLetterPublisher, inject: [ServicePublisher], useFactory: (publisher: ServicePublisher) => new DeadLetterPublisher(publisher, DEAD_LETTER_TOPICS[service]) },
    { provide: ConsumerMetrics, inject: [METRICS_REGISTRY], useFactory: (registry: Registry) => new ConsumerMetrics(registry, METRIC_PREFIXES[service]) },
    {
      provide: KafkaBatchTransport,
      inject: [KAFKA_CLIENT, RecordDecoders, DeadLetterPublisher, ConsumerMetrics, ReadinessRegistry],
      useFactory: (kafka: Kafka, decoders: RecordDecoders, deadLetters: DeadLetterPublisher, metrics: ConsumerMetrics, readiness: ReadinessRegistry) => {
        const options = {
          groupId: settings.groupId,
          subscriptions: CONSUMER_SUBSCRIPTIONS[service],
          fromBeginning: true,
          sessionTimeoutMs: settings.sessionTimeoutMs,
          fetch: settings.fetch,
          partitionsConcurrently: settings.partitionsConcurrently,
          memberUserData: settings.memberUserData,
        };
        const transport = new KafkaBatchTransport(options, {
          kafka,
          decoders,
          deadLetters,
          metrics,
          logger,
          replay: settings.replay ? replayEndingProcess(settings.replay, logger) : undefined,
        });
        readiness.register({
          name: 'kafka_consumer',
          check: async () => {
            const reason = transport.notRunningReason();
            if (reason !== undefined) throw new Error(reason);
          },
        });
        return transport;
      },
    },
    { provide: CONSUMER_CONTROL, useExisting: KafkaBatchTransport },
  ];
}

/** A bounded replay ends the process (gracefully, through its SIGTERM handler) once every partition is done. */
function replayEndingProcess(bounds: ReplayBounds, logger: Logger): ReplayWindow {
  return new ReplayWindow(bounds, () => {
    logger.info({ customer: bounds.customer ?? null }, 'replay reached its end; stopping');
    process.kill(process.pid, 'SIGTERM');
  });
}

/** Errors reach the transport as thrown, not turned into Nest's generic RPC error, so their `retriable` decides. */
@Catch()
class RethrowToTransport implements RpcExceptionFilter<unknown> {
  catch(error: unknown): Observable<never> {
    return throwError(() => error);
  }
}

/**
 * Makes the app a hybrid application, HTTP (health, metrics, admin routes) plus the Kafka consumer,
 * and initialises it: the lifecycle hooks run first (catalogues loaded, producers connected), then
 * the `@EventPattern` handlers start receiving batches. The consumer stops within `app.close()`,
 * after the beforeApplicationShutdown hooks and before onApplicationShutdown (which closes pools).
 * `interest`, when given, is the provider that tells which customers' records to decode at all;
 * `after`, when given, holds consumption back until it resolves (every customer read).
 */
export async function startKafkaConsumer(app: INestApplication, interest?: Type<RecordInterest>, after?: Promise<unknown>): Promise<void> {
  const transport = app.get(KafkaBatchTransport);
  if (after) transport.startAfter(after);
  // Given here, not injected: the interest is usually a service that itself commits through the transport.
  if (interest) transport.takeInterest(app.get(interest));
  // Deferred, so the filter is registered before the handlers are wrapped.
  const microservice = app.connectMicroservice<MicroserviceOptions>(
    { strategy: transport },
    { inheritAppConfig: false, deferInitialization: true },
  ) as NestMicroservice;
  microservice.useGlobalFilters(new RethrowToTransport());
  // The app runs the lifecycle hooks of the container both share; the microservice must not run them again.
  microservice.setIsInitHookCalled(true);
  await app.init();
  await app.startAllMicroservices();
}
