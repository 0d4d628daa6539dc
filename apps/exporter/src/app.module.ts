import { type DynamicModule, Module } from '@nestjs/common';
import { AvroDeserializer, TRACKING_EVENT_SCHEMA_FILE, readAvroSchema, type TrackingEvent } from '@tracking/contracts';
import { ConfluentSchemaRegistryAdapter, createKafkaClient } from '@tracking/kafka';
import { ObservabilityModule, ReadinessRegistry, type Logger } from '@tracking/observability';
import { EXPORTER_CONFIG, type ExporterConfig } from './config/exporter.config';
import { ExportController } from './export/export.controller';
import { ExportPipeline } from './export/export-pipeline.service';
import { ExporterMetrics } from './exporter.metrics';
import { EXPORT_TARGETS, KAFKA_CLIENT, SCHEMA_REGISTRY, TRACKING_EVENT_DESERIALIZER } from './exporter.tokens';
import type { ExportTargets } from './targets/export-targets';

@Module({})
export class ExporterModule {
  static register(config: ExporterConfig, targets: ExportTargets, logger: Logger): DynamicModule {
    return {
      module: ExporterModule,
      imports: [ObservabilityModule.forRoot({ service: 'exporter', logger })],
      controllers: [ExportController],
      providers: [
        { provide: EXPORTER_CONFIG, useValue: config },
        { provide: EXPORT_TARGETS, useValue: targets },
        { provide: KAFKA_CLIENT, useValue: createKafkaClient(config.kafka, logger) },
        {
          provide: SCHEMA_REGISTRY,
          inject: [ReadinessRegistry],
          useFactory: (readiness: ReadinessRegistry): ConfluentSchemaRegistryAdapter => {
            const registry = new ConfluentSchemaRegistryAdapter(config.registry);
            readiness.register({ name: 'schema_registry', check: () => registry.ping() });
            return registry;
          },
        },
        {
          provide: TRACKING_EVENT_DESERIALIZER,
          inject: [SCHEMA_REGISTRY],
          useFactory: (registry: ConfluentSchemaRegistryAdapter) => new AvroDeserializer<TrackingEvent>(registry, readAvroSchema(TRACKING_EVENT_SCHEMA_FILE).type),
        },
        ExporterMetrics,
        ExportPipeline,
      ],
    };
  }
}
