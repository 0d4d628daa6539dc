import { keyedUuid } from './deterministic-uuid';

/** Bumped only if the derivation changes, which would make every re-run publish new ids. */
const DERIVATION = 'tracking-backfill/v1';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value with object keys sorted at every level, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are one event. */
export function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonicalJson(value[key])]),
  );
}

/**
 * The body with a deterministic `event_id` when it carries none: a keyed UUID over the customer and
 * the body's own fields (never the file name or line number), so re-running a backfill, or the
 * same line arriving in another file, yields the same id and downstream deduplication holds.
 *
 * The gateway's fallback id (libs/contracts event-id.ts) is not enough here: it hashes session,
 * type, name, time and URL only, so two history lines differing in event_data would collapse into
 * one event. A body that brings its own event_id keeps it, exactly as at the gateway.
 */
export function withBackfillEventId(body: unknown, customerId: string, key: Buffer, identity: unknown = body): unknown {
  if (!isPlainObject(body) || (body['event_id'] !== undefined && body['event_id'] !== null)) return body;
  return { ...body, event_id: keyedUuid(key, [DERIVATION, customerId, canonicalJson(identity)]) };
}
