import type { ConsentState } from '@tracking/contracts';

/**
 * One event as clients send it (seed 000's request model, with seed 002's field names accepted as
 * aliases: `url` for page_url, `name` for event_name, `properties` for event_data).
 */
export interface TrackEventRequest {
  event_type: string;
  page_url?: string;
  event_data?: Record<string, unknown>;
  location_id?: string;
  user_id?: string;
  session_id?: string;
  visitor_id?: string;
  event_id?: string;
  event_name?: string;
  referrer?: string;
  /** RFC 3339. Defaults to the time the gateway received the event. */
  occurred_at?: string;
  /** RFC 3339, by the client's clock; used to correct its skew. */
  sent_at?: string;
  consent_state?: ConsentState;
  /** The SDK sending the event, e.g. `@tracking-platform/node`, and its version: kept on the record. */
  library_name?: string;
  library_version?: string;
}

/** What is wrong with one field of one event. */
export interface FieldError {
  /** Dotted path, e.g. `event_data.items[2].price`; for a bulk, prefixed by `events[i].`. */
  field: string;
  reason: string;
}

/** A request that passed validation: fields resolved from their aliases and from event_data. */
export interface ValidTrackRequest {
  eventType: string;
  pageUrl: URL | null;
  referrer: URL | null;
  eventData: Record<string, unknown>;
  eventDataJson: string;
  eventId: string | null;
  eventName: string | null;
  sessionId: string | null;
  visitorId: string | null;
  userId: string | null;
  locationId: string | null;
  /** Epoch milliseconds, or null when the client did not say. */
  occurredAt: number | null;
  sentAt: number | null;
  consentState: ConsentState | null;
  libraryName: string | null;
  libraryVersion: string | null;
}
