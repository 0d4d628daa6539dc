import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { LOGGER, METRICS_REGISTRY, type Logger } from '@tracking/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { isActive, type TrackingKey } from './tracking-key';
import { TrackingKeyRepository } from './tracking-key.repository';

/**
 * Every active key in memory, refreshed from PostgreSQL on a timer. Authentication never waits on
 * the database, so ingestion goes on through a database outage with the keys last seen; usage
 * (`last_used_at`) is collected here and written in batches.
 */
@Injectable()
export class TrackingKeyCache implements OnModuleInit, OnApplicationShutdown {
  private bySecret = new Map<string, TrackingKey>();
  private byPublishable = new Map<string, TrackingKey>();
  private byId = new Map<string, TrackingKey>();
  private usage = new Map<string, Date>();
  private refreshedAt = 0;
  /** Changes applied while a refresh reads: its snapshot may predate them, so they are applied on top. */
  private appliedDuringRefresh: TrackingKey[] | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly age: Gauge;

  constructor(
    private readonly repository: TrackingKeyRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.age = new Gauge({
      name: 'gateway_key_cache_age_seconds',
      help: 'Seconds since tracking keys were last read from PostgreSQL',
      registers: [registry],
      collect: () => this.age.set(this.refreshedAt === 0 ? -1 : (Date.now() - this.refreshedAt) / 1000),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timers = [
      setInterval(() => void this.refresh(), this.config.keyCacheRefreshMs),
      setInterval(() => void this.flushUsage(), 5000),
    ];
    for (const timer of this.timers) timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.flushUsage();
  }

  async refresh(): Promise<void> {
    const applied: TrackingKey[] = [];
    this.appliedDuringRefresh = applied;
    try {
      const keys = await this.repository.listActive();
      this.bySecret = new Map(keys.map((key) => [key.secretSha256.toString('hex'), key]));
      this.byPublishable = new Map(keys.map((key) => [key.publishableKey, key]));
      this.byId = new Map(keys.map((key) => [key.keyId, key]));
      // A key created, rotated or revoked after the query began would otherwise vanish (or come back) until the next refresh.
      for (const key of applied) this.store(key);
      this.refreshedAt = Date.now();
    } catch (error) {
      this.logger.warn({ err: error, cachedKeys: this.bySecret.size }, 'tracking keys not refreshed; authenticating with the keys last read');
    } finally {
      if (this.appliedDuringRefresh === applied) this.appliedDuringRefresh = undefined;
    }
  }

  findBySecretHash(hash: Buffer): TrackingKey | undefined {
    const key = this.bySecret.get(hash.toString('hex'));
    return key && isActive(key, Date.now()) ? key : undefined;
  }

  findByPublishableKey(publishableKey: string): TrackingKey | undefined {
    const key = this.byPublishable.get(publishableKey);
    return key && isActive(key, Date.now()) ? key : undefined;
  }

  /** An active key by its id: a console session signed in with a key lasts while the key does. */
  findById(keyId: string): TrackingKey | undefined {
    const key = this.byId.get(keyId);
    return key && isActive(key, Date.now()) ? key : undefined;
  }

  recordUse(key: TrackingKey): void {
    this.usage.set(key.keyId, new Date());
  }

  /** Applies a change made through this gateway at once, before the next refresh. */
  apply(key: TrackingKey): void {
    this.appliedDuringRefresh?.push(key);
    this.store(key);
  }

  private store(key: TrackingKey): void {
    const hash = key.secretSha256.toString('hex');
    if (isActive(key, Date.now())) {
      this.bySecret.set(hash, key);
      this.byPublishable.set(key.publishableKey, key);
      this.byId.set(key.keyId, key);
    } else {
      this.bySecret.delete(hash);
      this.byPublishable.delete(key.publishableKey);
      this.byId.delete(key.keyId);
    }
  }

  private async flushUsage(): Promise<void> {
    if (this.usage.size === 0) return;
    const batch = this.usage;
    this.usage = new Map();
    try {
      await this.repository.touch(batch);
    } catch (error) {
      for (const [keyId, usedAt] of batch) if (!this.usage.has(keyId)) this.usage.set(keyId, usedAt);
      this.logger.warn({ err: error }, 'last_used_at not written; will retry');
    }
  }
}
