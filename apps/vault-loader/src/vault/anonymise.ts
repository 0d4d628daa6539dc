import type { TrackingEvent } from '@tracking/contracts';

/**
 * What is left of an event of an erased person: when and what kind, on which page (without its
 * query), from which campaign; nothing that identifies or describes the person. Irreversible.
 */
export function anonymiseEvent(event: TrackingEvent): TrackingEvent {
  return {
    ...event,
    session_id: null,
    visitor_id: null,
    user_id: null,
    ip_address: null,
    user_agent: null,
    referrer: null,
    event_name: event.event_type === 'page_view' ? event.event_name : null,
    event_data: '{}',
    page_url: withoutQuery(event.page_url),
  };
}

function withoutQuery(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return null;
  }
}
