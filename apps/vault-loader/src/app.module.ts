import { type DynamicModule, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { TRACKING_EVENT_SCHEMA_FILE, AvroDeserializer, readAvroSchema, type TrackingEvent } from '@tracking/contracts';
import { ConfluentSchemaRegistryAdapter, createKafkaClient } from '@tracking/kafka';
import { ObservabilityModule, ReadinessRegistry, type Logger } from '@tracking/observability';
import { VAULT_LOADER_CONFIG, type VaultLoaderConfig } from './config/vault-loader.config';
import { DATABASE_POOL, createDatabasePool } from '@tracking/database';
import { DatabasePoolCloser } from './database/database.pool';
import { DeadLetterPublisher } from './loading/dead-letter.publisher';
import { LoaderMetrics } from './loading/loader.metrics';
import { KAFKA_CLIENT, TRACKING_EVENT_DESERIALIZER } from './loading/loading.tokens';
import { RawLoadService } from './loading/raw-load.service';
import { TrackingEventsConsumer } from './loading/tracking-events.consumer';
import { RawEventRepository } from './raw/raw-event.repository';

@Module({})
export class VaultLoaderModule {
  static register(config: VaultLoaderConfig, logger: Logger): DynamicModule {
    return {
      module: VaultLoaderModule,
      imports: [ObservabilityModule.forRoot({ service: 'vault-loader', logger })],
      providers: [
        { provide: VAULT_LOADER_CONFIG, useValue: config },
        { provide: KAFKA_CLIENT, useValue: createKafkaClient(config.kafka, logger) },
        {
          provide: DATABASE_POOL,
          inject: [ReadinessRegistry],
          useFactory: (readiness: ReadinessRegistry): Pool => {
            const pool = createDatabasePool(config.databaseUrl, config.databasePoolSize, 'vault-loader', logger);
            readiness.register({ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) });
            return pool;
          },
        },
        {
          provide: TRACKING_EVENT_DESERIALIZER,
          inject: [ReadinessRegistry],
          useFactory: (readiness: ReadinessRegistry): AvroDeserializer<TrackingEvent> => {
            const registry = new ConfluentSchemaRegistryAdapter(config.registry);
            readiness.register({ name: 'schema_registry', check: () => registry.ping() });
            return new AvroDeserializer<TrackingEvent>(registry, readAvroSchema(TRACKING_EVENT_SCHEMA_FILE).type);
          },
        },
        DatabasePoolCloser,
        LoaderMetrics,
        RawEventRepository,
        DeadLetterPublisher,
        RawLoadService,
        TrackingEventsConsumer,
      ],
    };
  }
}
