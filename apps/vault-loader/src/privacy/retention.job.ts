import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { tenantHashKey } from '@tracking/contracts';
import { LOGGER, type Logger } from '@tracking/observability';
import { VAULT_LOADER_CONFIG, type VaultLoaderConfig } from '../config/vault-loader.config';
import { RetentionPolicy } from '../loading/retention.policy';
import { RetentionRepository } from './retention.repository';

const DAY = 24 * 3_600_000;

/** Purges, per customer, everything loaded longer ago than its `privacy.data_retention_days`. */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly policy: RetentionPolicy,
    private readonly repository: RetentionRepository,
    @Inject(VAULT_LOADER_CONFIG) private readonly config: VaultLoaderConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.retentionIntervalMs === 0) return;
    this.timer = setInterval(() => void this.run().catch((error: unknown) => this.logger.error({ err: error }, 'retention run failed')), this.config.retentionIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass over every configured customer; returns rows deleted per customer. */
  async run(now = Date.now()): Promise<Record<string, Record<string, number>>> {
    this.policy.reload();
    const report: Record<string, Record<string, number>> = {};
    for (const [customerId, days] of this.policy.customers()) {
      report[customerId] = await this.repository.purge(tenantHashKey(customerId), new Date(now - days * DAY));
    }
    this.logger.info({ purged: report }, 'retention run finished');
    return report;
  }
}
