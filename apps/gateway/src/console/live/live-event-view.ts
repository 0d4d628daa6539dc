import type { TrackingEvent } from '@tracking/contracts';

/**
 * What the console shows of one event: the columns the read API's CSV export gives (EXPORT_COLUMNS),
 * plus when the gateway received it and its site. Left out as there: the address, the user agent,
 * the full referrer, event_data and how the event was authenticated.
 */
export interface LiveEventView {
  event_id: string;
  event_type: string;
  event_name: string | null;
  occurred_at: string;
  received_at: string;
  page_url: string | null;
  referrer_domain: string | null;
  session_id: string | null;
  visitor_id: string | null;
  user_id: string | null;
  location_id: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  consent_state: string | null;
  source: string;
  site_id: string | null;
}

export function liveEventView(event: TrackingEvent): LiveEventView {
  return {
    event_id: event.event_id,
    event_type: event.event_type,
    event_name: event.event_name,
    occurred_at: new Date(event.occurred_at).toISOString(),
    received_at: new Date(event.received_at).toISOString(),
    page_url: event.page_url,
    referrer_domain: event.referrer_domain,
    session_id: event.session_id,
    visitor_id: event.visitor_id,
    user_id: event.user_id,
    location_id: event.location_id,
    utm_source: event.utm_source,
    utm_medium: event.utm_medium,
    utm_campaign: event.utm_campaign,
    consent_state: event.consent_state,
    source: event.source,
    site_id: event.site_id,
  };
}

/** A stream's filters: an exact event type, and text the page URL contains (case-insensitive). */
export interface LiveFilters {
  type?: string;
  url?: string;
}

export function matchesFilters(event: Pick<TrackingEvent, 'event_type' | 'page_url'>, filters: LiveFilters): boolean {
  if (filters.type !== undefined && event.event_type !== filters.type) return false;
  if (filters.url !== undefined && !(event.page_url ?? '').toLowerCase().includes(filters.url.toLowerCase())) return false;
  return true;
}
