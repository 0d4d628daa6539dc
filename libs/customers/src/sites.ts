import { domainToASCII } from 'node:url';

/** A scalar per-site setting (e.g. `timezone: Europe/Paris`, `currency: EUR`), carried as declared. */
export type SiteSettingValue = string | number | boolean;

/** One site a customer declares (seed 004: one pixel, many domains, data separated by site_id). */
export interface SiteDeclaration {
  /** `^[a-z0-9][a-z0-9_-]{0,63}$`: never contains a dot, so it never reads like a discovered host. */
  id: string;
  name: string | null;
  /** Normalised domain patterns: `example.com` (that host and www.example.com) or `*.example.com` (any subdomain). */
  domains: string[];
  settings: Record<string, SiteSettingValue>;
}

/**
 * `auto` (the default): an event from a host no declared site covers gets a discovered site whose id
 * is that host. `restricted`: the gateway refuses such an event (403 FORBIDDEN naming the host).
 */
export type SiteDiscovery = 'auto' | 'restricted';

export const SITE_DISCOVERY_MODES: readonly SiteDiscovery[] = ['auto', 'restricted'];

export interface SitesConfig {
  declared: SiteDeclaration[];
  discovery: SiteDiscovery;
}

export const SITE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** What the site of an event is derived from: fields every TrackingEvent has, old records included. */
export interface SiteSource {
  /** Set by the gateway since the field exists; null or absent in records written before it. */
  site_id?: string | null;
  page_url: string | null;
  /** Id of the API token or publishable key that authenticated the request. */
  key_id: string | null;
}

/** What the customer configuration offers the derivation: its sites and the sites its keys name. */
export interface SiteConfigSource {
  sites: SitesConfig;
  tracking: {
    apiTokens: ReadonlyArray<{ id: string; siteId?: string }>;
    publishableKeys: ReadonlyArray<{ key: string; siteId?: string }>;
  };
}

/**
 * How the site was found: `record` (the record carried it), `key` (the authenticating key names a
 * site), `declared` (the page host matches a declared domain), `discovered` (an undeclared host:
 * its own site), `none` (no page and no key site: server events).
 */
export type SiteOrigin = 'record' | 'key' | 'declared' | 'discovered' | 'none';

export interface SiteResolution {
  siteId: string | null;
  origin: SiteOrigin;
  /** The page's normalised host (lower case, no trailing dot, no `www.`), when the event has a page. */
  host: string | null;
}

/**
 * A declared domain or a page host in the one form they are compared in: ASCII (punycode), lower
 * case, without a trailing dot, without a leading `www.`. Undefined when it is not a host name.
 */
export function normaliseHost(host: string): string | undefined {
  let value = host.trim().toLowerCase().replace(/\.$/, '');
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  if (value.includes(':')) return value.length > 1 ? value : undefined; // IPv6: kept as is, compared exactly.
  const ascii = domainToASCII(value);
  if (!ascii) return undefined;
  return ascii.replace(/^www\./, '') || undefined;
}

/** The normalised host of a page URL, or null when there is no (parseable) page. */
export function pageHostOf(pageUrl: string | null | undefined): string | null {
  if (!pageUrl) return null;
  try {
    return normaliseHost(new URL(pageUrl).hostname) ?? null;
  } catch {
    return null;
  }
}

function keySiteOf(customer: SiteConfigSource, keyId: string | null): string | undefined {
  if (!keyId) return undefined;
  return (
    customer.tracking.apiTokens.find((token) => token.id === keyId)?.siteId ??
    customer.tracking.publishableKeys.find((key) => key.key === keyId)?.siteId
  );
}

/** The declared site covering a host: an exact domain first, then the longest `*.` suffix. */
export function declaredSiteFor(sites: SitesConfig, host: string): SiteDeclaration | undefined {
  let best: { site: SiteDeclaration; length: number } | undefined;
  for (const site of sites.declared) {
    for (const domain of site.domains) {
      if (domain === host) return site;
      if (domain.startsWith('*.')) {
        const suffix = domain.slice(1); // ".example.com"
        if (host.endsWith(suffix) && (!best || suffix.length > best.length)) best = { site, length: suffix.length };
      }
    }
  }
  return best?.site;
}

/**
 * The id of a discovered site: its normalised host. Declared ids never contain a dot, so only a
 * single-label host (e.g. `localhost`) could equal one; it then gets `host:` in front, so a
 * discovered site never merges into a declared one.
 */
export function discoveredSiteId(sites: SitesConfig, host: string): string {
  return sites.declared.some((site) => site.id === host) ? `host:${host}` : host;
}

/**
 * The one derivation of an event's site, used by the gateway (which writes it into the record) and
 * by every service reading records written before the field existed. Pure: the same record and
 * configuration give the same site in every service and on every replay.
 *
 * Order: the record's own site_id; the site the authenticating key names; the declared site whose
 * domains cover the page host; a discovered site named after the host; null without a page.
 */
export function resolveSite(customer: SiteConfigSource, event: SiteSource): SiteResolution {
  const host = pageHostOf(event.page_url);
  if (event.site_id) return { siteId: event.site_id, origin: 'record', host };
  const keySite = keySiteOf(customer, event.key_id);
  if (keySite) return { siteId: keySite, origin: 'key', host };
  if (!host) return { siteId: null, origin: 'none', host: null };
  const declared = declaredSiteFor(customer.sites, host);
  if (declared) return { siteId: declared.id, origin: 'declared', host };
  return { siteId: discoveredSiteId(customer.sites, host), origin: 'discovered', host };
}

/** The site id of an event (see resolveSite). */
export function siteIdFor(customer: SiteConfigSource, event: SiteSource): string | null {
  return resolveSite(customer, event).siteId;
}

/**
 * The host a customer that restricts discovery refuses: the page's host when no declared site
 * covers it (whatever the key's site, so an undeclared domain never enters the data or the billing).
 * Undefined when the event may pass.
 */
export function undeclaredHostOf(customer: SiteConfigSource, event: Pick<SiteSource, 'page_url'>): string | undefined {
  if (customer.sites.discovery !== 'restricted') return undefined;
  const host = pageHostOf(event.page_url);
  if (!host || declaredSiteFor(customer.sites, host)) return undefined;
  return host;
}
