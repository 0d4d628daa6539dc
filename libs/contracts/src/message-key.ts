import type { TrackingEvent } from './tracking-event';

/**
 * Kafka key of an event: customer + session, falling back to visitor, then event id. A session's
 * events stay in order on one partition, and no customer is pinned to a single partition.
 */
export function eventMessageKey(event: Pick<TrackingEvent, 'customer_id' | 'session_id' | 'visitor_id' | 'event_id'>): string {
  return `${event.customer_id}:${event.session_id ?? event.visitor_id ?? event.event_id}`;
}
