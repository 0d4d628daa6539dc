import type { AutomationTrigger } from './automation-trigger';
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
export const TRIGGER_CE_TYPE_PREFIX = 'io.trackingplatform.trigger.';

const CUSTOMER_SOURCE_PREFIX = '/customers/';

export function customerSource(customerId: string): string {
  return `${CUSTOMER_SOURCE_PREFIX}${encodeURIComponent(customerId)}`;
}

/** The customer of a `ce_source` header, so a consumer can route a record without decoding its value. */
export function customerOfSource(source: string | undefined): string | undefined {
  if (!source?.startsWith(CUSTOMER_SOURCE_PREFIX)) return undefined;
  try {
    return decodeURIComponent(source.slice(CUSTOMER_SOURCE_PREFIX.length));
  } catch {
    return undefined;
  }
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

/** A fired trigger as a CloudEvent: its id is the trigger id, so a re-publication carries the same id. */
export function automationTriggerHeaders(trigger: AutomationTrigger): Record<string, string> {
  return {
    [HEADERS.specVersion]: CLOUD_EVENTS_SPEC_VERSION,
    [HEADERS.id]: trigger.trigger_id,
    [HEADERS.type]: `${TRIGGER_CE_TYPE_PREFIX}${trigger.trigger_type}`,
    [HEADERS.source]: customerSource(trigger.customer_id),
    [HEADERS.time]: new Date(trigger.occurred_at).toISOString(),
    [HEADERS.contentType]: AVRO_CONTENT_TYPE,
  };
}
