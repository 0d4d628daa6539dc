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


/**
 * RFC 4180 with a header row, columns in the Avro field order, null as an empty field. Text that a
 * spreadsheet would run as a formula gets a leading apostrophe (csvField), so this file is for
 * people and spreadsheets first; the other formats carry such values unchanged.
 */
export function encodeCsv(events: readonly TrackingEvent[], columns: readonly EventColumn[] = EVENT_COLUMNS): Buffer {
  const header = csvRecord(columns.map((column) => column.name));
  const records = events.map((event) => csvRecord(columns.map((column) => csvValue(event, column))));
  return Buffer.from(header + records.join(''), 'utf8');
}
