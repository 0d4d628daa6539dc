import type { TrackingEvent } from '@tracking/contracts';
import type { ExportTarget } from './export-target';

/** A record as its customer's export writes it. */
export interface SelectedRecord {
  event: TrackingEvent;
}

/**
 * What of a record the customer's export writes, decided from the record and the customer's
 * `s3_export` alone (never from the clock or from where reading began), so every owner of the
 * partition and every replay cuts and writes the same objects. Undefined for a record the export
 * leaves out (`include_event_types`): it is skipped like another customer's record, before it
 * enters an object, so it is in neither bucket nor in the metering.
 */
export function selectForExport(target: Pick<ExportTarget, 'includeEventTypes'>, event: TrackingEvent): SelectedRecord | undefined {
  if (target.includeEventTypes && !target.includeEventTypes.has(event.event_type)) return undefined;
  return { event };
}
