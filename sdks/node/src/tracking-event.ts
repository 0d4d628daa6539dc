import { randomUUID } from 'node:crypto';
import { SDK_NAME, SDK_VERSION } from './version';

/** The visitor's answer to the consent question (seed 002). */
export type ConsentState = 'pending' | 'granted' | 'denied';

/**
 * One event as the caller hands it over: the gateway's request model (seed 000's fields plus
 * seed 002's ids and timing). Only `event_type` is required; the gateway validates the rest and
 * names every bad field in its answer.
 */
export interface TrackEventInput {
  /** `page_view`, `item_interaction`, … or any custom type matching /^[A-Za-z][A-Za-z0-9_.:-]{0,49}$/. */
  event_type: string;
  event_name?: string;
  page_url?: string;
  referrer?: string;
  /** JSON-serialisable, at most 16 KB and 10 levels deep (the gateway's limits). */
  event_data?: Record<string, unknown>;
  session_id?: string;
  user_id?: string;
  visitor_id?: string;
  location_id?: string;
  consent_state?: ConsentState;
  /** Your own id (1-128 of letters, digits, . _ : -). The client generates a UUIDv4 when absent. */
  event_id?: string;
  /** When it happened. The client stamps enqueue time when absent, so a late send keeps the real time. */
  occurred_at?: string | Date;
  /** When it left the client; stamped on every send attempt when absent (the gateway corrects clock skew with it). */
  sent_at?: string | Date;
}

/** A page view: `event_type` is `page_view` and a page URL is required. */
export type PageViewInput = Omit<TrackEventInput, 'event_type' | 'page_url'> & { page_url: string };

/** What goes over the wire for one event: ids and times already fixed as RFC 3339 strings. */
export type WireEvent = Omit<TrackEventInput, 'event_id' | 'occurred_at' | 'sent_at'> & {
  event_id: string;
  occurred_at: string;
  sent_at?: string;
  /** This SDK's package name and version, kept on the event by the gateway. */
  library_name: string;
  library_version: string;
};

/** How an event ended when the gateway took it. */
export interface TrackResult {
  eventId: string;
  /**
   * `accepted`: Kafka acknowledged it. `dropped`: the gateway answered 2xx but published nothing on
   * purpose (consent denied or pending, Do Not Track): resending would not change that.
   */
  status: 'accepted' | 'dropped';
  /** Why it was dropped (`consent_denied`, `consent_pending`, `do_not_track`). */
  reason?: string;
}

/** An event ready to queue: its body with a fixed id, and whether the client owns `sent_at`. */
export interface PreparedEvent {
  body: WireEvent;
  /** False when the caller gave sent_at; then every attempt sends the caller's value. */
  stampSentAt: boolean;
  /** Serialized size in bytes, for batch size limits. */
  bytes: number;
}

const toRfc3339 = (value: string | Date): string => (value instanceof Date ? value.toISOString() : value);

/**
 * Fixes what must stay the same across retries: the event id and its occurrence time. A retried
 * batch therefore carries the same ids, which every consumer deduplicates on (the gateway keeps a
 * client event_id as the record's event_id). Throws a TypeError for what could never be sent.
 */
export function prepareEvent(input: TrackEventInput, now: number): PreparedEvent {
  if (typeof input !== 'object' || input === null) throw new TypeError('an event must be an object');
  if (typeof input.event_type !== 'string' || input.event_type.trim() === '') throw new TypeError('event_type must be a non-empty string');
  const { occurred_at, sent_at, event_id, ...rest } = input;
  const body: WireEvent = {
    ...rest,
    event_id: event_id ?? randomUUID(),
    occurred_at: toRfc3339(occurred_at ?? new Date(now)),
    ...(sent_at !== undefined ? { sent_at: toRfc3339(sent_at) } : {}),
    library_name: SDK_NAME,
    library_version: SDK_VERSION,
  };
  // Serialize once now: a cycle or a BigInt fails the call that caused it, not a whole batch later.
  let json: string;
  try {
    json = JSON.stringify(body);
  } catch (error) {
    throw new TypeError(`event_data must be JSON-serialisable: ${(error as Error).message}`, { cause: error });
  }
  // 40 bytes more for the sent_at stamped at send time.
  return { body, stampSentAt: sent_at === undefined, bytes: Buffer.byteLength(json) + 40 };
}
