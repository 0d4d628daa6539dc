import type { TrackingEvent } from '@tracking/contracts';
import { encodeAvroContainer } from '../formats/avro-container.encoder';
import { decodeEvents, formatOfKey, type DecodedObject } from '../formats/decode-events';
import { encodeEvents, type ExportCompression, type ExportFormat } from '../formats';

/** Whether an event belongs to an erased subject (the erasure list, or one request's subjects). */
export type ErasedEvent = (event: TrackingEvent) => boolean;

export type ObjectRewrite =
  /** Nothing of an erased subject in it: left as it is. */
  | { kind: 'unchanged'; events: TrackingEvent[]; matchable: boolean }
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

/** Events written as the object was: its columns, and for Avro its own header's schema. */
function writtenAgain(events: readonly TrackingEvent[], format: ExportFormat, compression: ExportCompression, seed: string, decoded: DecodedObject): Buffer {
  if (format === 'avro' && decoded.schemaText !== undefined) return encodeAvroContainer(events, seed, decoded.columns, decoded.schemaText);
  return encodeEvents(events, format, compression, seed, decoded.columns).body;
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
  const decoded = await decodeEvents(body, format.format, format.compression);
  const { events, columns } = decoded;
  const removed = events.filter(erased);
  // An export whose `fields` leave out both ids cannot tell whose its records are (its writer could, and left the erased ones out).
  const matchable = columns.some((column) => column.name === 'visitor_id' || column.name === 'user_id');
  if (removed.length === 0) return { kind: 'unchanged', events, matchable: matchable || events.length === 0 };
  const seed = stemOfKey(key, format.extension);
  const encode = (chosen: readonly TrackingEvent[]) => writtenAgain(chosen, format.format, format.compression, seed, decoded);
  if (!encode(events).equals(body)) {
    throw new ObjectRewriteError(`${key} does not read back to its own bytes; not rewritten, so that no other record changes`);
  }
  const kept = events.filter((event) => !erased(event));
  return { kind: 'rewritten', body: encode(kept), kept, removed };
}
