import { Type } from '@sinclair/typebox';
import { REASON_KEYWORD, TrackEventSchema, schemaValidator } from '@tracking/ingestion';
import { ApiError } from '@tracking/http';
import { BROWSER_ENVELOPE_FIELDS } from '../auth/browser-credentials';

/** The credentials a browser may put in the body (seed 002's names beside ours); the query string is the other place. */
const credentials = {
  customer_id: Type.Optional(Type.String({ description: 'Or ?customer_id=; alias: firm_slug' })),
  firm_slug: Type.Optional(Type.String({ description: 'Alias of customer_id (seed 002)' })),
  publishable_key: Type.Optional(Type.String({ description: 'Publishable key (pk_...), never a secret token; or ?key=; alias: tracking_key' })),
  tracking_key: Type.Optional(Type.String({ description: 'Alias of publishable_key (seed 002)' })),
  tracking_key_id: Type.Optional(Type.String()),
};

/** A flush of the browser SDK's queue: `{ events: [...] }` beside the credentials. */
export const BrowserBatchSchema = Type.Object(
  { ...credentials, events: Type.Array(TrackEventSchema, { minItems: 1, [REASON_KEYWORD]: 'must be a non-empty list of events' }) },
  { additionalProperties: false, [REASON_KEYWORD]: { required: 'must be a non-empty list of events', additionalProperties: 'is not allowed beside "events"' } },
);

/** What /api/v1/tracking/collect takes: one event with the credentials beside its fields, or a batch. */
export const CollectBodySchema = Type.Union([Type.Composite([TrackEventSchema, Type.Object(credentials)], { additionalProperties: false }), BrowserBatchSchema], {
  description: 'One event, or { "events": [...] }; JSON, or text/plain as navigator.sendBeacon sends it',
});

/** The check of a browser batch's envelope, the second alternative of CollectBodySchema. */
export const browserBatchValidator = schemaValidator(BrowserBatchSchema);
const EVENT_FIELD = /^events\[\d+\]/;

/**
 * The browser's body without its credentials: one event (judged by the ingestion pipeline), or a
 * batch whose envelope is checked here against BrowserBatchSchema and whose events are judged one by one.
 */
export function browserEvents(body: unknown, maxEvents: number): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ApiError.invalid([{ field: '(body)', reason: 'must be a JSON object: one event, or { "events": [...] }' }]);
  }
  if (!('events' in body)) {
    return [Object.fromEntries(Object.entries(body).filter(([key]) => !(BROWSER_ENVELOPE_FIELDS as readonly string[]).includes(key)))];
  }
  const errors = browserBatchValidator.check(body).filter((error) => !EVENT_FIELD.test(error.field));
  if (errors.length > 0) throw ApiError.invalid(errors);
  const { events } = body as { events: unknown[] };
  if (events.length > maxEvents) {
    throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `A browser batch holds at most ${maxEvents} events; this one has ${events.length}`);
  }
  return events;
}
