import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfluentSchemaRegistryAdapter, KafkaClusterProbe, createKafkaClient } from '@tracking/kafka';
import { LOGGER, ReadinessRegistry, type Logger } from '@tracking/observability';
import { AUTOMATION_TRIGGER_CONFIG, type AutomationTriggerConfig } from './config/automation-trigger.config';

/**
 * Until the automation-trigger consumer lands (issue 5), the service connects to Kafka and the registry
 * and reports them in /readyz. It deliberately joins no consumer group: committing offsets now would
 * make the real consumer skip the history it has to process.
 */
@Injectable()
export class ClusterConnectionService implements OnModuleInit, OnApplicationShutdown {
  private readonly cluster: KafkaClusterProbe;

  constructor(
    @Inject(AUTOMATION_TRIGGER_CONFIG) config: AutomationTriggerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    readiness: ReadinessRegistry,
  ) {
    this.cluster = new KafkaClusterProbe(createKafkaClient(config.kafka, logger));
    const registry = new ConfluentSchemaRegistryAdapter(config.registry);
    readiness.register({ name: 'kafka', check: () => this.cluster.check() });
    readiness.register({ name: 'schema_registry', check: () => registry.ping() });
  }

  async onModuleInit(): Promise<void> {
    await this.cluster.connect();
    this.logger.info(await this.cluster.describe(), 'connected to Kafka');
  }

  onApplicationShutdown(): Promise<void> {
    return this.cluster.disconnect();
  }
}
