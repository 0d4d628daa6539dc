import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Pool } from 'pg';
import { DATABASE_POOL, DatabasePoolCloser, createDatabasePool } from '@tracking/database';
import { ADMIN_TOKEN_SHA256, ApiExceptionFilter, readAuditProviders } from '@tracking/http';
import type { SchemaRegistryPort } from '@tracking/contracts';
import { CustomerDocumentsPublisher, customerSourceProviders } from '@tracking/customer-store';
import { AuditTopicSink, KAFKA_CLIENT, SCHEMA_REGISTRY, consumingServiceProviders } from '@tracking/kafka';
import type { Kafka } from 'kafkajs';
import { ObservabilityModule, ReadinessRegistry, type Logger } from '@tracking/observability';
import { erasureListProviders } from '@tracking/privacy';
import { AutomationsController } from './admin/automations.controller';
import { EventTriggersController } from './admin/event-triggers.controller';
import { AutomationMetrics } from './automation.metrics';
import { AUTOMATION_TRIGGER_CONFIG, type AutomationTriggerConfig } from './config/automation-trigger.config';
import { WebhookDispatcher } from './delivery/webhook.dispatcher';
import { TriggerConsumer } from './matching/trigger.consumer';
import { TriggerMatcher } from './matching/trigger.matcher';
import { TriggerPublisher } from './outbox/trigger.publisher';
import { TriggerErasureRepository } from './privacy/trigger-erasure.repository';
import { TriggerErasure } from './privacy/trigger-erasure.service';
import { EventTriggersRepository } from './triggers/event-triggers.repository';
import { TriggerRepository } from './triggers/trigger.repository';
import { WorkflowCatalog } from './workflows/workflow-catalog';
import { WorkflowTrial } from './workflows/workflow-trial';

@Module({})
export class AutomationTriggerModule {
  static register(config: AutomationTriggerConfig, logger: Logger): DynamicModule {
    return {
      module: AutomationTriggerModule,
      imports: [ObservabilityModule.forRoot({ service: 'automation-trigger', logger })],
      controllers: [AutomationsController, EventTriggersController, TriggerConsumer],
      providers: [
        { provide: AUTOMATION_TRIGGER_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: ADMIN_TOKEN_SHA256, useValue: config.adminTokenSha256 },
        ...consumingServiceProviders('automationTrigger', config, logger),
        ...readAuditProviders('automation-trigger', AuditTopicSink),
        {
          provide: DATABASE_POOL,
          inject: [ReadinessRegistry],
          useFactory: (readiness: ReadinessRegistry): Pool => {
            const pool = createDatabasePool(config.databaseUrl, config.databasePoolSize, 'automation-trigger', logger);
            readiness.register({ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) });
            return pool;
          },
        },
        DatabasePoolCloser,
        AutomationMetrics,
        ...customerSourceProviders({
          kafka: config.kafka,
          registry: config.registry,
          customersDir: config.customersDir,
          directoryPollMs: config.reloadMs,
          service: 'automation-trigger',
        }),
        {
          provide: CustomerDocumentsPublisher,
          inject: [KAFKA_CLIENT, SCHEMA_REGISTRY],
          useFactory: (kafka: Kafka, registry: SchemaRegistryPort) => new CustomerDocumentsPublisher(kafka, registry),
        },
        ...erasureListProviders({ kafka: config.kafka, registry: config.registry, service: 'automation-trigger' }),
        WorkflowCatalog,
        WorkflowTrial,
        TriggerRepository,
        EventTriggersRepository,
        TriggerErasureRepository,
        TriggerErasure,
        TriggerPublisher,
        WebhookDispatcher,
        TriggerMatcher,
      ],
    };
  }
}
