import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CustomerConfigError, parseCustomerTexts } from '@tracking/customers';
import { CUSTOMER_SOURCE, type CustomerChange, type CustomerSource } from '@tracking/customer-store';
import { LOGGER, type Logger } from '@tracking/observability';
import { VAULT_LOADER_CONFIG, type VaultLoaderConfig } from '../config/vault-loader.config';

const DAY = 24 * 3_600_000;

/** Each customer's `privacy.data_retention_days`, from the shared customer configuration the gateway reads too. */
@Injectable()
export class RetentionPolicy implements OnModuleInit {
  private readonly days = new Map<string, number>();

  constructor(
    @Inject(VAULT_LOADER_CONFIG) private readonly config: VaultLoaderConfig,
    @Inject(CUSTOMER_SOURCE) private readonly source: CustomerSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.source.onChange((changes) => this.apply(changes));
  }

  private apply(changes: readonly CustomerChange[]): void {
    for (const { customerId, documents } of changes) {
      if (!documents) {
        this.days.delete(customerId);
        continue;
      }
      try {
        this.days.set(customerId, parseCustomerTexts(customerId, documents).privacy.dataRetentionDays);
      } catch (error) {
        const problems = error instanceof CustomerConfigError ? error.problems : [(error as Error).message];
        this.logger.warn({ customerId, problems, keptPrevious: this.days.has(customerId) }, 'customer configuration refused for retention');
      }
    }
  }

  /** Brings the policy up to every change written so far: a purge uses the retention in force when it runs. */
  async refresh(): Promise<void> {
    await this.source.refresh(5000);
  }

  retentionDays(customerId: string): number {
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
