import { type DynamicModule, Module } from '@nestjs/common';
import { ObservabilityModule, type Logger } from '@tracking/observability';
import { ClusterConnectionService } from './cluster-connection.service';
import { AUTOMATION_TRIGGER_CONFIG, type AutomationTriggerConfig } from './config/automation-trigger.config';

@Module({})
export class AutomationTriggerModule {
  static register(config: AutomationTriggerConfig, logger: Logger): DynamicModule {
    return {
      module: AutomationTriggerModule,
      imports: [ObservabilityModule.forRoot({ service: 'automation-trigger', logger })],
      providers: [{ provide: AUTOMATION_TRIGGER_CONFIG, useValue: config }, ClusterConnectionService],
    };
  }
}
