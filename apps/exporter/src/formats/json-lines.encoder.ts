import type { TrackingEvent } from '@tracking/contracts';
import { EVENT_COLUMNS, parsedJson, timestampText, type EventColumn } from './event-columns';

function jsonValue(event: TrackingEvent, column: EventColumn): unknown {
  const value = event[column.name];
  if (value === null) return null;
  if (column.kind === 'timestamp') return timestampText(event, column);
  // Nested JSON, not a string holding JSON, so that analysts can query into it. The gateway wrote
  // the text with JSON.stringify, and parsing and writing that again gives back the same text.
  if (column.kind === 'json') return parsedJson(event, column);
  return value;
}

/** One event as the JSON Lines export writes it (and the access request answers it): keys in the Avro field order. */
export function jsonRecord(event: TrackingEvent, columns: readonly EventColumn[] = EVENT_COLUMNS): Record<string, unknown> {
  // Insertion order is serialisation order for non-numeric keys, which every field name is.
  const record: Record<string, unknown> = {};
  for (const column of columns) record[column.name] = jsonValue(event, column);
  return record;
}

/** JSON Lines: one object per event, keys in the Avro field order, every line ending in LF. */
export function encodeJsonLines(events: readonly TrackingEvent[], columns: readonly EventColumn[] = EVENT_COLUMNS): Buffer {
  return Buffer.from(events.map((event) => `${JSON.stringify(jsonRecord(event, columns))}\n`).join(''), 'utf8');
}
