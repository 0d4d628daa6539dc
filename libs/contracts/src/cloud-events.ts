import type { TrackingEvent } from './tracking-event';

/** CloudEvents Kafka protocol binding, binary content mode: attributes travel as `ce_` headers. */
export const HEADERS = {
  specVersion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  contentType: 'content-type',
} as const;

export const CLOUD_EVENTS_SPEC_VERSION = '1.0';
/** The value is Avro in the Confluent wire format (magic byte, schema id, Avro binary). */
export const AVRO_CONTENT_TYPE = 'application/avro';
export const TRACKING_EVENT_CE_TYPE_PREFIX = 'io.trackingplatform.event.';

export function customerSource(customerId: string): string {
  return `/customers/${encodeURIComponent(customerId)}`;
}

export function trackingEventHeaders(event: TrackingEvent): Record<string, string> {
  return {
    [HEADERS.specVersion]: CLOUD_EVENTS_SPEC_VERSION,
    [HEADERS.id]: event.event_id,
    [HEADERS.type]: `${TRACKING_EVENT_CE_TYPE_PREFIX}${event.event_type}`,
    [HEADERS.source]: customerSource(event.customer_id),
    [HEADERS.time]: new Date(event.occurred_at).toISOString(),
    [HEADERS.contentType]: AVRO_CONTENT_TYPE,
  };
}
