import type { TrackingEvent } from '@tracking/contracts';
import { siteIdFor } from '@tracking/customers';
import { siteFolder } from '../assembly/object-layout';
import type { ExportTarget } from './export-target';

/** A record as its customer's export writes it. */
export interface SelectedRecord {
  /** The record with its site_id: its own, or derived for a record older than the field. */
  event: TrackingEvent;
  /** Its `site=` folder when the customer splits by site (siteFolder). */
  site?: string;
}

/**
 * What of a record the customer's export writes, decided from the record and the customer's
 * configuration alone (never from the clock or from where reading began), so every owner of the
 * partition and every replay cuts and writes the same objects:
 * - undefined for a record the export leaves out (`include_event_types`): it is skipped like another
 *   customer's record, before it enters an object, so it is in neither bucket nor in the metering;
 * - the record with `site_id` set by siteIdFor, the gateway's own derivation, so a record written
 *   before the field existed gets the site a new one would carry, in every format;
 * - with `split_by_site`, the site folder its object goes in.
 */
export function selectForExport(target: Pick<ExportTarget, 'includeEventTypes' | 'splitBySite' | 'sites'>, event: TrackingEvent): SelectedRecord | undefined {
  if (target.includeEventTypes && !target.includeEventTypes.has(event.event_type)) return undefined;
  // A record's own site_id wins in siteIdFor too; checked first so the hot path parses no URL for records the gateway wrote.
  const siteId = event.site_id || siteIdFor(target.sites, event);
  const withSite = event.site_id === siteId ? event : { ...event, site_id: siteId };
  return target.splitBySite ? { event: withSite, site: siteFolder(siteId) } : { event: withSite };
}
