import { createHash } from 'node:crypto';

export interface EventIdentity {
  customerId: string;
  sessionId: string | null;
  eventType: string;
  eventName: string | null;
  /** Epoch milliseconds. */
  occurredAt: number;
  pageUrl: string | null;
}

/** What a client-supplied event id may look like: printable, short, no separators that break keys or paths. */
export const CLIENT_EVENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Deterministic id of an event the client sent without one, so that a retried request yields the
 * same id and every consumer deduplicates it. The parts are JSON-encoded rather than joined with a
 * delimiter, so no value can shift into its neighbour ("a|b" + "c" vs "a" + "b|c").
 */
export function deterministicEventId(identity: EventIdentity): string {
  const material = JSON.stringify([
    identity.customerId,
    identity.sessionId,
    identity.eventType,
    identity.eventName,
    new Date(identity.occurredAt).toISOString(),
    identity.pageUrl,
  ]);
  return createHash('sha256').update(material).digest('hex');
}
