import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { loadCustomerDirectory, type CustomerConfig } from '@tracking/customers';
import { LOGGER, type Logger } from '@tracking/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

/** The customers the gateway serves, loaded from CUSTOMERS_DIR (seed 000's layout). */
@Injectable()
export class CustomerRegistry implements OnModuleInit {
  private customers = new Map<string, CustomerConfig>();
  /** Owner of each token hash (hex), to tell a wrong token from another tenant's token. */
  private tokenOwners = new Map<string, string>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.reload();
  }

  reload(): void {
    const { customers, errors } = loadCustomerDirectory(this.config.customersDir);
    for (const error of errors) {
      this.logger.error({ customerId: error.customerId, problems: error.problems }, 'customer configuration refused');
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
}
