import { deterministicEventId, type EventSource, type TrackingEvent } from '@tracking/contracts';
import { anonymiseIp, type IpMode } from './ip-anonymiser';
import type { ValidTrackRequest } from './track-request';

/** Everything about the request that is not in its body. */
export interface IngestionContext {
  customerId: string;
  /** Epoch milliseconds. */
  receivedAt: number;
  /** Raw client address: used here only to derive the anonymised form. */
  clientIp: string | null;
  userAgent: string | null;
  source: EventSource;
  batchId: string | null;
  ipMode: IpMode;
}

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
type UtmKey = (typeof UTM_KEYS)[number];
const MAX_USER_AGENT = 512;

/** UTM parameters from the page URL, else from event_data (the seed's examples put them there). */
function utmParameters(pageUrl: URL | null, eventData: Record<string, unknown>): Record<UtmKey, string | null> {
  return Object.fromEntries(
    UTM_KEYS.map((key) => {
      const fromUrl = pageUrl?.searchParams.get(key);
      const fromData = eventData[key];
      const value = fromUrl || (typeof fromData === 'string' && fromData.trim() !== '' ? fromData.trim() : null);
      return [key, value ? value.slice(0, 255) : null];
    }),
  ) as Record<UtmKey, string | null>;
}

/**
 * Turns a validated request into the event that goes on the wire. The event id is computed from the
 * client's own occurred_at (not the skew-corrected one), so a retry that carries a new sent_at still
 * yields the same id.
 */
export function buildTrackingEvent(request: ValidTrackRequest, context: IngestionContext): TrackingEvent {
  const clientOccurredAt = request.occurredAt ?? context.receivedAt;
  const occurredAt =
    request.occurredAt !== null && request.sentAt !== null ? request.occurredAt + (context.receivedAt - request.sentAt) : clientOccurredAt;
  const eventId =
    request.eventId ??
    deterministicEventId({
      customerId: context.customerId,
      sessionId: request.sessionId,
      eventType: request.eventType,
      eventName: request.eventName,
      occurredAt: clientOccurredAt,
      pageUrl: request.pageUrl?.toString() ?? null,
    });
  return {
    event_id: eventId,
    customer_id: context.customerId,
    event_type: request.eventType,
    event_name: request.eventName,
    page_url: request.pageUrl?.toString() ?? null,
    referrer: request.referrer?.toString() ?? null,
    occurred_at: occurredAt,
    received_at: context.receivedAt,
    sent_at: request.sentAt,
    session_id: request.sessionId,
    visitor_id: request.visitorId,
    user_id: request.userId,
    location_id: request.locationId,
    consent_state: request.consentState,
    ip_address: anonymiseIp(context.clientIp, context.ipMode),
    user_agent: context.userAgent ? context.userAgent.slice(0, MAX_USER_AGENT) : null,
    event_data: request.eventDataJson,
    ...utmParameters(request.pageUrl, request.eventData),
    batch_id: context.batchId,
    source: context.source,
  };
}
