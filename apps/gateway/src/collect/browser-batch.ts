import type { FieldError } from '@tracking/ingestion';
import { BROWSER_ENVELOPE_FIELDS } from '../auth/browser-credentials';
import { ApiError } from '@tracking/http';

/** The browser's body without its credentials: one event, or `{ events: [...] }`. */
export function browserEvents(body: unknown, maxEvents: number): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ApiError.invalid([{ field: '(body)', reason: 'must be a JSON object: one event, or { "events": [...] }' }]);
  }
  const rest: Record<string, unknown> = Object.fromEntries(
    Object.entries(body).filter(([key]) => !(BROWSER_ENVELOPE_FIELDS as readonly string[]).includes(key)),
  );
  if (!('events' in rest)) return [rest];
  const errors: FieldError[] = Object.keys(rest)
    .filter((key) => key !== 'events')
    .map((key) => ({ field: key, reason: 'is not allowed beside "events"' }));
  const events = rest['events'];
  if (!Array.isArray(events) || events.length === 0) errors.push({ field: 'events', reason: 'must be a non-empty list of events' });
  if (errors.length > 0) throw ApiError.invalid(errors);
  if ((events as unknown[]).length > maxEvents) {
    throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `A browser batch holds at most ${maxEvents} events; this one has ${(events as unknown[]).length}`);
  }
  return events as unknown[];
}
