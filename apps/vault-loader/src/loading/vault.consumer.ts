import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { CONSUMER_SUBSCRIPTIONS } from '@tracking/contracts';
import { BatchConsumer, KAFKA_CLIENT, replayBoundsEndingProcess } from '@tracking/kafka';
import { LOGGER, ReadinessRegistry, type Logger } from '@tracking/observability';
import { VAULT_LOADER_CONFIG, type VaultLoaderConfig } from '../config/vault-loader.config';
import { VaultLoadService } from './vault-load.service';

/** The Kafka edge of the loader: batches of events and audit records in, offsets committed after each database commit. */
@Injectable()
export class VaultConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: BatchConsumer;

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(VAULT_LOADER_CONFIG) config: VaultLoaderConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly loader: VaultLoadService,
    readiness: ReadinessRegistry,
  ) {
    this.consumer = new BatchConsumer(
      kafka,
      {
        groupId: config.groupId,
        topics: [...CONSUMER_SUBSCRIPTIONS.vaultLoader],
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
    await this.consumer.start((batch) => this.loader.load(batch));
  }

  /** Before the pool and the dead-letter producer close: the batch in flight finishes and commits. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }
}
