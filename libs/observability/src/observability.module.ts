import { type DynamicModule, Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { ObservabilityController } from './observability.controller';
import { ReadinessRegistry } from './readiness';
import { LOGGER, METRICS_REGISTRY } from './tokens';

export interface ObservabilityOptions {
  service: string;
  logger: Logger;
}

@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    const registry = new Registry();
    registry.setDefaultLabels({ service: options.service });
    collectDefaultMetrics({ register: registry });
    return {
      module: ObservabilityModule,
      controllers: [ObservabilityController],
      providers: [
        { provide: LOGGER, useValue: options.logger },
        { provide: METRICS_REGISTRY, useValue: registry },
        ReadinessRegistry,
      ],
      exports: [LOGGER, METRICS_REGISTRY, ReadinessRegistry],
    };
  }
}
