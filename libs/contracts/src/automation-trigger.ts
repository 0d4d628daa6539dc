import { createHash } from 'node:crypto';
import type { TrackingEvent } from './tracking-event';

/** Mirrors schemas/avro/automation-trigger.v1.avsc. */
export interface AutomationTrigger {
  trigger_id: string;
  idempotency_key: string;
  customer_id: string;
  workflow_id: string;
  trigger_type: TriggerType;
  event_id: string;
  event_type: string;
  event_name: string | null;
  session_id: string | null;
  visitor_id: string | null;
  page_url: string | null;
  occurred_at: number;
  properties: string;
}

export const AUTOMATION_TRIGGER_SCHEMA_FILE = 'automation-trigger.v1.avsc';

/** Seed 002: page views fire `site_page_view`, every other event `site_custom_event`. */
export const TRIGGER_TYPES = ['site_page_view', 'site_custom_event'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export function triggerTypeOf(event: Pick<TrackingEvent, 'event_type'>): TriggerType {
  return event.event_type === 'page_view' ? 'site_page_view' : 'site_custom_event';
}

/**
 * Seed 002's idempotency key, `<customer>-<session>-<event_name>-<occurred_at>`. An event without a
 * session stands for itself (its event id), one without a name for its type; occurred_at is ISO 8601.
 */
export function triggerIdempotencyKey(event: Pick<TrackingEvent, 'customer_id' | 'session_id' | 'event_id' | 'event_name' | 'event_type' | 'occurred_at'>): string {
  const session = event.session_id ?? `event:${event.event_id}`;
  return `${event.customer_id}-${session}-${event.event_name ?? event.event_type}-${new Date(event.occurred_at).toISOString()}`;
}

/**
 * A trigger's id: one workflow's firing for one idempotency key, as 32 hex characters (the key itself
 * can be hundreds of characters long, too long for a URL path segment or a CloudEvents id to carry well).
 */
export function triggerId(customerId: string, workflowId: string, idempotencyKey: string): string {
  return createHash('sha256').update(`${customerId}\u0000${workflowId}\u0000${idempotencyKey}`).digest('hex').slice(0, 32);
}
