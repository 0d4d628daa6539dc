import type { TrackingEvent } from '@tracking/contracts';

/** A declared site as the customer's configuration describes it (the site details satellite's attributes). */
export interface SiteDetails {
  site_name: string | null;
  domains: readonly string[];
  settings: Readonly<Record<string, string | number | boolean>>;
}

/** A key the customer's configuration declares (the API-key details satellite's attributes); never its secret. */
export interface KeyDetails {
  key_kind: 'api_token' | 'publishable_key';
  description: string | null;
  site_id: string | null;
}

/** Descriptive attributes with the time the configuration that says so was applied: the satellite row's load date. */
export interface Configured<T> {
  appliedAt: number;
  details: T;
}

/**
 * What the vault needs of one customer's configuration to map an event: its site (the shared
 * derivation, siteIdFor of libs/customers, so a record without site_id gets the site the gateway would
 * have given it) and what the configuration says about a declared site or key.
 */
export interface CustomerSites {
  siteOf(event: TrackingEvent): string | null;
  site(siteId: string): Configured<SiteDetails> | undefined;
  key(keyId: string): Configured<KeyDetails> | undefined;
}

/** Each customer's sites; a customer without a configuration still gets a site derived from its events alone. */
export type SitesOf = (customerId: string) => CustomerSites;
