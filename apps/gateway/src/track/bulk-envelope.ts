import type { FieldError } from '@tracking/ingestion';
import { ApiError } from '@tracking/http';

export interface BulkEnvelope {
  batchId: string | null;
  events: unknown[];
}

const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const FIELDS = new Set(['batch_id', 'events']);

/** `{ batch_id?, events[] }` (seed 000): the envelope is all or nothing; the events are judged one by one. */
export function parseBulkEnvelope(body: unknown, maxEvents: number): BulkEnvelope {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ApiError.invalid([{ field: '(body)', reason: 'must be a JSON object with an "events" list' }]);
  }
  const envelope = body as Record<string, unknown>;
  const errors: FieldError[] = Object.keys(envelope)
    .filter((key) => !FIELDS.has(key))
    .map((key) => ({ field: key, reason: 'is not a known field (known: batch_id, events)' }));
  const batchId = envelope['batch_id'];
  if (batchId !== undefined && batchId !== null && (typeof batchId !== 'string' || !BATCH_ID.test(batchId))) {
    errors.push({ field: 'batch_id', reason: 'must be 1-128 characters of letters, digits, . _ : or -' });
  }
  const events = envelope['events'];
  if (!Array.isArray(events)) errors.push({ field: 'events', reason: 'must be a list of events' });
  else if (events.length === 0) errors.push({ field: 'events', reason: 'must hold at least one event' });
  if (errors.length > 0) throw ApiError.invalid(errors);
  if ((events as unknown[]).length > maxEvents) {
    throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `A bulk request holds at most ${maxEvents} events; this one has ${(events as unknown[]).length}`);
  }
  return { batchId: typeof batchId === 'string' ? batchId : null, events: events as unknown[] };
}
