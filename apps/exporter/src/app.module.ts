import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ADMIN_TOKEN_SHA256, ApiExceptionFilter } from '@tracking/http';
import { consumerProviders } from '@tracking/kafka';
import { ObservabilityModule, type Logger } from '@tracking/observability';
import { EXPORTER_CONFIG, type ExporterConfig } from './config/exporter.config';
import { ExportController } from './export/export.controller';
import { ExportPipeline } from './export/export-pipeline.service';
import { ExporterMetrics } from './exporter.metrics';
import { EXPORT_TARGETS } from './exporter.tokens';
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
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: ADMIN_TOKEN_SHA256, useValue: config.adminTokenSha256 },
        { provide: EXPORT_TARGETS, useValue: targets },
        ...consumerProviders(config, logger),
        ExporterMetrics,
        ExportPipeline,
      ],
    };
  }
}
