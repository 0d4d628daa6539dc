import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { CONSUMER_SUBSCRIPTIONS } from '@tracking/contracts';
import { BatchConsumer, KAFKA_CLIENT, replayBoundsEndingProcess } from '@tracking/kafka';
import { LOGGER, ReadinessRegistry, type Logger } from '@tracking/observability';
import { AUTOMATION_TRIGGER_CONFIG, type AutomationTriggerConfig } from '../config/automation-trigger.config';
import { TriggerMatcher } from './trigger-matcher.service';

/**
 * The Kafka edge: batches of tracking events in, offsets committed after their triggers are
 * recorded. It keeps consuming while automation is switched off (nothing fires, the place is kept).
 */
@Injectable()
export class TriggerConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: BatchConsumer;

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(AUTOMATION_TRIGGER_CONFIG) config: AutomationTriggerConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly matcher: TriggerMatcher,
    readiness: ReadinessRegistry,
  ) {
    this.consumer = new BatchConsumer(
      kafka,
      {
        groupId: config.groupId,
        topics: [...CONSUMER_SUBSCRIPTIONS.automationTrigger],
        fromBeginning: true,
        sessionTimeoutMs: config.sessionTimeoutMs,
        bounds: replayBoundsEndingProcess(config.replay, logger),
      },
      logger,
    );
    readiness.register({
      name: 'kafka_consumer',
      check: async () => {
        if (!this.consumer.isRunning()) throw new Error('consumer is not running');
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start((batch) => this.matcher.match(batch));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }
}
