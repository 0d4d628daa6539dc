/**
 * What an API token may do (issue 21): `ingest` sends events, `read` reads the tenant's data (the
 * read API, the console), `admin` manages the tenant's own settings through self-service routes.
 */
export const TOKEN_SCOPES = ['ingest', 'read', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
/** Tokens declared before scopes existed keep doing what they did: send and read. */
export const DEFAULT_TOKEN_SCOPES: readonly TokenScope[] = ['ingest', 'read'];

export interface ApiTokenEntry {
  id: string;
  /** SHA-256 of the token, 32 bytes. The token itself is never stored. */
  sha256: Buffer;
  description?: string;
  /** The declared site every event this token authenticates belongs to (config.yaml `site_id`). */
  siteId?: string;
  /** `scopes` in config.yaml; DEFAULT_TOKEN_SCOPES when absent. */
  scopes: readonly TokenScope[];
}

export interface CustomerLocation {
  id: string;
  name: string;
}

export const SERVER_EVENTS_CONSENT = ['assume_granted', 'require'] as const;
export type ServerEventsConsent = (typeof SERVER_EVENTS_CONSENT)[number];

export interface PrivacySettings {
  /** Keyed hash of the client address instead of its /24 or /48 network. */
  ipAddressHashing: boolean;
  /** User agent reduced to product names and major versions. */
  userAgentTruncation: boolean;
  piiDetection: 'enabled' | 'disabled';
  /** What happens to e-mail addresses, card numbers, SSNs and phone numbers found in event data. */
  piiAction: 'redact' | 'hash';
  dataRetentionDays: number;
  /** `privacy.geographic_restrictions` as written (seed 000: `["EU", "US"]`). */
  geographicRestrictions: string[];
  /**
   * The ISO 3166-1 alpha-2 countries those entries allow (EU and EEA expanded), sorted; empty when
   * unrestricted. Enforced by the gateway from a trusted edge header (TRACKING_COUNTRY_HEADER).
   */
  allowedCountries: string[];
  /** With consent `pending`, non-essential events are dropped. */
  consentRequired: boolean;
  /**
   * Server-side events (the API, bulk, async and backfill paths) without `consent_state: granted`:
   * kept (`assume_granted`: the server vouches for its users) or dropped (`require`).
   */
  serverEventsConsent: ServerEventsConsent;
  /** `DNT: 1` or `Sec-GPC: 1` drops non-essential events. */
  honorDoNotTrack: boolean;
  /** Query parameters redacted from URLs besides those named like token, secret or password. */
  redactQueryParameters: string[];
  /** Event types that flow without consent (e.g. recording the consent decision itself). */
  essentialEventTypes: string[];
}

export interface PublishableKey {
  /** Public by design: it is embedded in the customer's pages. Origins are what protect it. */
  key: string;
  description?: string;
  /** The declared site every event this key authenticates belongs to (config.yaml `site_id`). */
  siteId?: string;
}

import type { SitesConfig } from './sites';

export interface CustomerConfig {
  customerId: string;
  /** Hex of the tenant hash key (SHA-256 of the normalised customer id). */
  tenantHk: string;
  name: string;
  industry?: string;
  locations: CustomerLocation[];
  technical: {
    /** Requests per hour. */
    apiRateLimit: number;
    /** Binary GB the customer's vault rows and export objects may hold before warnings; nothing is refused past it. */
    storageQuotaGb: number;
    backupRetentionDays: number;
  };
  /** `dataResidency` is a key of RESIDENCY_REGIONS: export buckets outside it are refused at load. */
  compliance: { hipaaRequired: boolean; dataResidency: string };
  privacy: PrivacySettings;
  tracking: { apiTokens: ApiTokenEntry[]; publishableKeys: PublishableKey[]; allowedOrigins: string[] };
  /** Seed 004's sites: declared ones and whether undeclared hosts are discovered or refused (see sites.ts). */
  sites: SitesConfig;
  /** Seed 002's flags, e.g. `tracking.ingest.enabled`. */
  flags: Record<string, boolean>;
  /** Seed 000's enabled_features. */
  features: Record<string, boolean>;
}

export const FLAG_INGEST_ENABLED = 'tracking.ingest.enabled';
export const FLAG_AUTOMATION_ENABLED = 'tracking.automation.enabled';

/** Tracking is off when the customer disables site tracking or the ingest flag. */
export function trackingEnabled(config: CustomerConfig): boolean {
  return config.features['site_tracking'] !== false && config.flags[FLAG_INGEST_ENABLED] !== false;
}
