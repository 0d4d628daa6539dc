import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { tenantHashKey } from '@tracking/contracts';
import { DATABASE_POOL, SingletonJob, type SingletonOutcome } from '@tracking/database';
import { LOGGER, type Logger } from '@tracking/observability';
import { VAULT_LOADER_CONFIG, type VaultLoaderConfig } from '../config/vault-loader.config';
import { RetentionPolicy } from '../loading/retention.policy';
import { VaultPartitions } from '../vault/vault-partitions';
import { PartitionRetention } from './partition-retention';
import { RetentionRepository } from './retention.repository';

const DAY = 24 * 3_600_000;

export type PurgeReport = Record<string, Record<string, number>>;

export interface RetentionReport {
  /** Rows deleted per customer and table. */
  purged: PurgeReport;
  /** Whole month partitions dropped, with the rows each held. */
  partitionsDropped: Record<string, number>;
}

/**
 * Purges, per customer, everything loaded longer ago than its `privacy.data_retention_days`: once
 * per interval across all loader instances, whichever instance's timer fires first.
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private readonly singleton: SingletonJob;

  constructor(
    private readonly policy: RetentionPolicy,
    private readonly repository: RetentionRepository,
    private readonly partitionRetention: PartitionRetention,
    private readonly partitions: VaultPartitions,
    @Inject(DATABASE_POOL) pool: Pool,
    @Inject(VAULT_LOADER_CONFIG) private readonly config: VaultLoaderConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.singleton = new SingletonJob(pool, 'vault-loader.retention', config.retentionIntervalMs);
  }

  onApplicationBootstrap(): void {
    if (this.config.retentionIntervalMs === 0) return;
    const tick = async (): Promise<void> => {
      const outcome = await this.runOnce();
      if (!outcome.ran) this.logger.debug({ reason: outcome.reason }, 'retention run skipped');
    };
    this.timer = setInterval(() => void tick().catch((error: unknown) => this.logger.error({ err: error }, 'retention run failed')), this.config.retentionIntervalMs);
    this.timer.unref();
  }

  /** The purge unless another instance is running it or ran it within the interval; `force` ignores the interval. */
  runOnce(options: { force?: boolean } = {}): Promise<SingletonOutcome<RetentionReport>> {
    return this.singleton.run(() => this.run(), { ...options, instance: `${hostname()}:${process.pid}` });
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Whole months first (partitions past every retention that applies to them), then each configured
   * customer's rows past its own retention in the months that remain, and the hubs nothing refers to.
   */
  async run(now = Date.now()): Promise<RetentionReport> {
    await this.policy.refresh();
    await this.partitions.createAhead(now);
    const customers = this.policy.customers().map(([customerId, days]) => ({ customerId, tenantHk: tenantHashKey(customerId), cutoff: new Date(now - days * DAY) }));
    const partitionsDropped = await this.partitionRetention.dropExpired(
      new Map(customers.map(({ tenantHk, cutoff }) => [tenantHk.toString('hex'), cutoff])),
      new Date(now - this.config.defaultRetentionDays * DAY),
    );
    const rows = await this.repository.purge(customers, now);
    const purged: PurgeReport = Object.fromEntries(customers.map(({ customerId, tenantHk }) => [customerId, rows.get(tenantHk.toString('hex')) ?? {}]));
    this.logger.info({ purged, partitionsDropped }, 'retention run finished');
    return { purged, partitionsDropped };
  }
}
