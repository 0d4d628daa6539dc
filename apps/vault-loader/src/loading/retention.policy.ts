import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { loadCustomerDirectory } from '@tracking/customers';
import { LOGGER, type Logger } from '@tracking/observability';
import { VAULT_LOADER_CONFIG, type VaultLoaderConfig } from '../config/vault-loader.config';

const DAY = 24 * 3_600_000;
/** A customer added after start-up is picked up on its first event, at most one directory read per this. */
const UNKNOWN_RELOAD_MS = 5000;

/** Each customer's `privacy.data_retention_days`, from the same customer directory the gateway reads. */
@Injectable()
export class RetentionPolicy implements OnModuleInit {
  private days = new Map<string, number>();
  private loadedAt = 0;

  constructor(
    @Inject(VAULT_LOADER_CONFIG) private readonly config: VaultLoaderConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.reload();
  }

  reload(): void {
    const { customers, errors } = loadCustomerDirectory(this.config.customersDir);
    for (const error of errors) this.logger.warn({ customerId: error.customerId, problems: error.problems }, 'customer configuration ignored for retention');
    this.days = new Map([...customers.values()].map((customer) => [customer.customerId, customer.privacy.dataRetentionDays]));
    this.loadedAt = Date.now();
  }

  retentionDays(customerId: string): number {
    if (!this.days.has(customerId) && Date.now() - this.loadedAt > UNKNOWN_RELOAD_MS) this.reload();
    return this.days.get(customerId) ?? this.config.defaultRetentionDays;
  }

  /** Loading an event the retention job would already have purged would only resurrect it until the next purge. */
  expired(customerId: string, loadDate: number, now = Date.now()): boolean {
    return loadDate < now - this.retentionDays(customerId) * DAY;
  }

  customers(): Array<[customerId: string, days: number]> {
    return [...this.days];
  }
}
