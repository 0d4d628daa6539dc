import { type DynamicModule, Module } from '@nestjs/common';
import { ObservabilityModule, type Logger } from '@tracking/observability';
import { ClusterConnectionService } from './cluster-connection.service';
import { EXPORTER_CONFIG, type ExporterConfig } from './config/exporter.config';

@Module({})
export class ExporterModule {
  static register(config: ExporterConfig, logger: Logger): DynamicModule {
    return {
      module: ExporterModule,
      imports: [ObservabilityModule.forRoot({ service: 'exporter', logger })],
      providers: [{ provide: EXPORTER_CONFIG, useValue: config }, ClusterConnectionService],
    };
  }
}
