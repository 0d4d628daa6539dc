import { watch, type FSWatcher } from 'node:fs';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { loadCustomerDirectory, type CustomerConfig } from '@tracking/customers';
import { LOGGER, type Logger } from '@tracking/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

const RELOAD_DEBOUNCE_MS = 200;

/**
 * The customers the gateway serves, from CUSTOMERS_DIR (seed 000's layout), reloaded when a file
 * changes. A customer whose new configuration is invalid keeps its last good one, so a typo in
 * YAML never takes a working customer offline; the refusal is logged with every bad field.
 */
@Injectable()
export class CustomerRegistry implements OnModuleInit, OnApplicationShutdown {
  private customers = new Map<string, CustomerConfig>();
  /** Owner of each token hash (hex), to tell a wrong token from another tenant's token. */
  private tokenOwners = new Map<string, string>();
  private watcher?: FSWatcher;
  private reloadTimer?: NodeJS.Timeout;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.reload();
    if (this.config.watchCustomers) {
      this.watcher = watch(this.config.customersDir, { recursive: true }, () => {
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => this.reload(), RELOAD_DEBOUNCE_MS);
      });
      this.watcher.on('error', (error) => this.logger.warn({ err: error }, 'customer configuration watch failed; restart to pick up changes'));
    }
  }

  onApplicationShutdown(): void {
    clearTimeout(this.reloadTimer);
    this.watcher?.close();
  }

  reload(): void {
    const { customers, errors } = loadCustomerDirectory(this.config.customersDir);
    for (const error of errors) {
      const kept = this.customers.get(error.customerId);
      if (kept) customers.set(kept.customerId, kept);
      this.logger.error({ customerId: error.customerId, problems: error.problems, keptPrevious: Boolean(kept) }, 'customer configuration refused');
    }
    const owners = new Map<string, string>();
    for (const customer of customers.values()) {
      for (const token of customer.tracking.apiTokens) owners.set(token.sha256.toString('hex'), customer.customerId);
    }
    this.customers = customers;
    this.tokenOwners = owners;
    this.logger.info({ customers: [...customers.keys()], directory: this.config.customersDir }, 'customer configurations loaded');
  }

  find(customerId: string): CustomerConfig | undefined {
    return this.customers.get(customerId);
  }

  ownerOfTokenHash(tokenHash: Buffer): string | undefined {
    return this.tokenOwners.get(tokenHash.toString('hex'));
  }

  /** For CORS preflights: allowed for this customer, or (without one) for any customer. */
  originAllowed(origin: string, customerId?: string): boolean {
    if (customerId) return this.customers.get(customerId)?.tracking.allowedOrigins.includes(origin) ?? false;
    for (const customer of this.customers.values()) if (customer.tracking.allowedOrigins.includes(origin)) return true;
    return false;
  }
}
