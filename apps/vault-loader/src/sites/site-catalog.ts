import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { TrackingEvent } from '@tracking/contracts';
import { CustomerConfigError, parseCustomerTexts, siteIdFor, type CustomerConfig, type SiteConfigSource } from '@tracking/customers';
import { CUSTOMER_SOURCE, type CustomerChange, type CustomerSource } from '@tracking/customer-store';
import { LOGGER, type Logger } from '@tracking/observability';
import type { Configured, CustomerSites, KeyDetails, SiteDetails } from '../vault/site-model';

/** A customer without a configuration: no declared site, no key site; its events' sites come from their page hosts. */
const UNCONFIGURED: SiteConfigSource = { sites: { declared: [], discovery: 'auto' }, tracking: { apiTokens: [], publishableKeys: [] } };

/** One customer's configuration as the vault reads it, with when it was applied. */
export function customerSites(config: Pick<CustomerConfig, 'sites' | 'tracking'>, appliedAt: number): CustomerSites {
  const sites = new Map<string, Configured<SiteDetails>>(
    config.sites.declared.map((site) => [site.id, { appliedAt, details: { site_name: site.name, domains: site.domains, settings: site.settings } }]),
  );
  const keys = new Map<string, Configured<KeyDetails>>([
    ...config.tracking.apiTokens.map((token): [string, Configured<KeyDetails>] => [
      token.id,
      { appliedAt, details: { key_kind: 'api_token', description: token.description ?? null, site_id: token.siteId ?? null } },
    ]),
    ...config.tracking.publishableKeys.map((key): [string, Configured<KeyDetails>] => [
      key.key,
      { appliedAt, details: { key_kind: 'publishable_key', description: key.description ?? null, site_id: key.siteId ?? null } },
    ]),
  ]);
  return { siteOf: (event) => siteIdFor(config, event), site: (id) => sites.get(id), key: (id) => keys.get(id) };
}

const UNCONFIGURED_SITES: CustomerSites = { siteOf: (event: TrackingEvent) => siteIdFor(UNCONFIGURED, event), site: () => undefined, key: () => undefined };

/**
 * Each customer's sites and keys, from the shared customer configuration the gateway reads too, so
 * the loader derives an event's site exactly as the gateway does (the same siteIdFor) for records
 * written before the gateway set site_id. Read whole before the first record is loaded.
 */
@Injectable()
export class SiteCatalog implements OnModuleInit {
  private readonly byCustomer = new Map<string, CustomerSites>();

  constructor(
    @Inject(CUSTOMER_SOURCE) private readonly source: CustomerSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.source.onChange((changes) => this.apply(changes));
  }

  readonly sitesOf = (customerId: string): CustomerSites => this.byCustomer.get(customerId) ?? UNCONFIGURED_SITES;

  private apply(changes: readonly CustomerChange[]): void {
    for (const { customerId, documents } of changes) {
      if (!documents) {
        this.byCustomer.delete(customerId);
        continue;
      }
      try {
        this.byCustomer.set(customerId, customerSites(parseCustomerTexts(customerId, documents), documents.applied_at));
      } catch (error) {
        const problems = error instanceof CustomerConfigError ? error.problems : [(error as Error).message];
        this.logger.warn({ customerId, problems, keptPrevious: this.byCustomer.has(customerId) }, 'customer configuration refused for sites');
      }
    }
  }
}
