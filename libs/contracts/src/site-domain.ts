import type { TrackingEvent } from './tracking-event';

/** Mirrors schemas/avro/site-domain.v1.avsc. */
export interface SiteDomain {
  customer_id: string;
  domain: string;
  first_event_id: string;
  first_seen_at: number;
  /** The site of the event that revealed the domain; null in records older than the field. */
  site_id: string | null;
}

export const SITE_DOMAIN_SCHEMA_FILE = 'site-domain.v1.avsc';

/**
 * Header of a proposal on exporter.site-domain-candidates.v1: the consumer group of the exporter that
 * proposed it. Each group's arbiters decide only their own group's proposals, so another exporter
 * deployment on the same cluster (or a test's) never publishes what this one proposed.
 */
export const SITE_DOMAIN_PROPOSER_HEADER = 'exporter-group';

/** The site an event happened on, for metering (seed 004: billing by unique domains): the page URL's host, lower-cased. */
export function siteDomainOf(event: Pick<TrackingEvent, 'page_url'>): string | undefined {
  if (!event.page_url) return undefined;
  try {
    return new URL(event.page_url).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/** Key on billing.site-domains.v1: compaction keeps one record per customer and domain. */
export function siteDomainKey(domain: Pick<SiteDomain, 'customer_id' | 'domain'>): string {
  return `${domain.customer_id}|${domain.domain}`;
}
