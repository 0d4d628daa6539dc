import { createHash } from 'node:crypto';
import type { EventSource } from './tracking-event';

/** Mirrors schemas/avro/rejected-event.v1.avsc. */
export interface RejectedEvent {
  rejection_id: string;
  customer_id: string;
  received_at: number;
  source: EventSource;
  batch_id: string | null;
  event_index: number | null;
  errors: Array<{ field: string; reason: string }>;
  payload: string;
  payload_truncated: boolean;
  ip_block: string | null;
  key_id: string | null;
}

export const REJECTED_EVENT_SCHEMA_FILE = 'rejected-event.v1.avsc';
export const MAX_REJECTED_PAYLOAD_CHARS = 64 * 1024;

/**
 * The event id a redrive of a refused event is published under when the refused payload carried no
 * usable id of its own: derived from the rejection's id only, so redriving the same rejection twice
 * publishes the same id and every consumer keeps it once. Matches CLIENT_EVENT_ID_PATTERN.
 */
export function redriveEventId(rejectionId: string): string {
  return `redrive-${createHash('sha256').update(rejectionId).digest('hex').slice(0, 40)}`;
}
