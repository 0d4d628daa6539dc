import { deterministicEventId, type EventSource, type TrackingEvent } from '@tracking/contracts';
import type { ValidTrackRequest } from './track-request';

/** Everything about the event that is not in the request body, already privacy-safe. */
export interface EventContext {
  customerId: string;
  /** Epoch milliseconds. */
  receivedAt: number;
  /** Anonymised (truncated or hashed) client address. */
  ipAddress: string | null;
  userAgent: string | null;
  source: EventSource;
  batchId: string | null;
  keyId: string | null;
  /** The event's site, resolved by the pipeline with siteIdFor (libs/customers). */
  siteId: string | null;
  securityScore: number;
  suspicious: boolean;
}

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
type UtmKey = (typeof UTM_KEYS)[number];

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

function referrerDomain(referrer: URL | null): string | null {
  return referrer ? referrer.hostname.toLowerCase().replace(/^www\./, '') || null : null;
}

/**
 * Assembles the event that goes on the wire. The event id is computed from the client's own
 * occurred_at (not the skew-corrected one), so a retry that carries a new sent_at keeps its id.
 */
export function buildTrackingEvent(request: ValidTrackRequest, context: EventContext): TrackingEvent {
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
    ip_address: context.ipAddress,
    user_agent: context.userAgent,
    event_data: request.eventDataJson,
    ...utmParameters(request.pageUrl, request.eventData),
    batch_id: context.batchId,
    source: context.source,
    referrer_domain: referrerDomain(request.referrer),
    security_score: context.securityScore,
    suspicious: context.suspicious,
    key_id: context.keyId,
    library_name: request.libraryName,
    library_version: request.libraryVersion,
    site_id: context.siteId,
  };
}
