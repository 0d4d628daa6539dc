import type { TrackingEvent } from '@tracking/contracts';
import { decodeEvents, formatOfKey } from '../formats/decode-events';
import { encodeEvents } from '../formats';

/** Whether an event belongs to an erased subject (the erasure list, or one request's subjects). */
export type ErasedEvent = (event: TrackingEvent) => boolean;

export type ObjectRewrite =
  /** Nothing of an erased subject in it: left as it is. */
  | { kind: 'unchanged'; events: TrackingEvent[] }
  /** The object without the erased subjects' events, byte for byte what the exporter writes for the events kept. */
  | { kind: 'rewritten'; body: Buffer; kept: TrackingEvent[]; removed: TrackingEvent[] };

/** An object cannot be rewritten safely: it does not read back to its own bytes. */
export class ObjectRewriteError extends Error {
  override readonly name = 'ObjectRewriteError';
  readonly retriable = false;
}

/** The key's file name without the extension: the Avro sync-marker seed encodeEvents was given. */
export function stemOfKey(key: string, extension: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.slice(0, name.length - extension.length - 1);
}

/**
 * One exported object without the events of erased subjects, in its own format (from its key's
 * extension). The result is encodeEvents of the kept events with the object's own seed, so a rewritten
 * object is exactly what a run that knew the erasure from the start writes, and rewriting it again
 * changes nothing. Before anything is removed, the object's events are encoded again and compared with
 * its bytes: an object that does not read back exactly (another writer's, a schema this version cannot
 * write the same way) is refused rather than rewritten with other subjects' records altered.
 */
export async function rewriteObject(key: string, body: Buffer, erased: ErasedEvent): Promise<ObjectRewrite> {
  const format = formatOfKey(key);
  if (!format) throw new ObjectRewriteError(`${key} is not an object of this exporter (unknown extension)`);
  const events = await decodeEvents(body, format.format, format.compression);
  const removed = events.filter(erased);
  if (removed.length === 0) return { kind: 'unchanged', events };
  const seed = stemOfKey(key, format.extension);
  if (!encodeEvents(events, format.format, format.compression, seed).body.equals(body)) {
    throw new ObjectRewriteError(`${key} does not read back to its own bytes; not rewritten, so that no other record changes`);
  }
  const kept = events.filter((event) => !erased(event));
  return { kind: 'rewritten', body: encodeEvents(kept, format.format, format.compression, seed).body, kept, removed };
}
