import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CustomerConfigError, parseCustomerTexts, type CustomerConfig } from '@tracking/customers';
import { CUSTOMER_SOURCE, type CustomerChange, type CustomerSource } from '@tracking/customer-store';
import { LOGGER, type Logger } from '@tracking/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

/**
 * The customers the gateway serves, from the shared customer configuration (the topic
 * tracking.customers.v1, or CUSTOMERS_DIR in development), applied as each change arrives. A
 * customer whose new configuration is invalid keeps its last good one, so a typo in YAML never takes
 * a working customer offline; the refusal is logged with every bad field.
 */
@Injectable()
export class CustomerRegistry implements OnModuleInit {
  private customers = new Map<string, CustomerConfig>();
  /** Owner of each token hash (hex), to tell a wrong token from another tenant's token. */
  private tokenOwners = new Map<string, string>();

  constructor(
    @Inject(CUSTOMER_SOURCE) private readonly source: CustomerSource,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'countryHeader'>,
  ) {}

  /**
   * The customer's configuration as this gateway can keep it. Geographic restrictions need the
   * edge's country header (there is no GeoIP database here): without TRACKING_COUNTRY_HEADER a
   * customer that has them is refused rather than served unrestricted (issue 20 item 4).
   */
  private parse(customerId: string, documents: NonNullable<CustomerChange['documents']>): CustomerConfig {
    const customer = parseCustomerTexts(customerId, documents);
    if (customer.privacy.allowedCountries.length > 0 && !this.config.countryHeader) {
      throw new CustomerConfigError(customerId, [
        `${customerId}/config.yaml: privacy.geographic_restrictions (${customer.privacy.geographicRestrictions.join(', ')}) cannot be enforced by this gateway: set TRACKING_COUNTRY_HEADER to the header in which a trusted edge states the client's country (e.g. CF-IPCountry), or remove the restriction`,
      ]);
    }
    return customer;
  }

  onModuleInit(): void {
    this.source.onChange((changes) => this.apply(changes));
  }

  private apply(changes: readonly CustomerChange[]): void {
    const customers = new Map(this.customers);
    for (const { customerId, documents } of changes) {
      if (!documents) {
        customers.delete(customerId);
        continue;
      }
      try {
        customers.set(customerId, this.parse(customerId, documents));
      } catch (error) {
        const problems = error instanceof CustomerConfigError ? error.problems : [(error as Error).message];
        this.logger.error({ customerId, problems, appliedBy: documents.applied_by, keptPrevious: customers.has(customerId) }, 'customer configuration refused');
      }
    }
    const owners = new Map<string, string>();
    for (const customer of customers.values()) {
      for (const token of customer.tracking.apiTokens) owners.set(token.sha256.toString('hex'), customer.customerId);
    }
    this.customers = customers;
    this.tokenOwners = owners;
    this.logger.info({ changed: changes.map((change) => change.customerId), customers: customers.size, source: this.source.description }, 'customer configurations applied');
  }

  find(customerId: string): CustomerConfig | undefined {
    return this.customers.get(customerId);
  }

  /** Every customer this gateway serves now. */
  all(): CustomerConfig[] {
    return [...this.customers.values()];
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
