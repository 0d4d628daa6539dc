import { csvField, type TrackingEvent } from '@tracking/contracts';
import { EVENT_COLUMNS, timestampText, type EventColumn } from './event-columns';

function csvRecord(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

function csvValue(event: TrackingEvent, column: EventColumn): unknown {
  const value = event[column.name];
  if (value === null) return null;
  if (column.kind === 'timestamp') return timestampText(event, column);
  // JSON columns stay their JSON text: a CSV cell has no nesting.
  return value;
}

const HEADER = csvRecord(EVENT_COLUMNS.map((column) => column.name));

/**
 * RFC 4180 with a header row, columns in the Avro field order, null as an empty field. Text that a
 * spreadsheet would run as a formula gets a leading apostrophe (csvField), so this file is for
 * people and spreadsheets first; the other formats carry such values unchanged.
 */
export function encodeCsv(events: readonly TrackingEvent[]): Buffer {
  const records = events.map((event) => csvRecord(EVENT_COLUMNS.map((column) => csvValue(event, column))));
  return Buffer.from(HEADER + records.join(''), 'utf8');
}
