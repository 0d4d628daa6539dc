import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ObservabilityModule, type Logger } from '@tracking/observability';
import { ApiTokenGuard } from './auth/api-token.guard';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config';
import { CustomerRegistry } from './customers/customer.registry';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { EventPublishingService } from './messaging/event-publishing.service';
import { TrackController } from './track/track.controller';
import { TrackService } from './track/track.service';

@Module({})
export class GatewayModule {
  static register(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayModule,
      imports: [ObservabilityModule.forRoot({ service: 'gateway', logger })],
      controllers: [TrackController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        CustomerRegistry,
        ApiTokenGuard,
        EventPublishingService,
        TrackService,
      ],
    };
  }
}
