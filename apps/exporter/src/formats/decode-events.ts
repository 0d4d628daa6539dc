import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import * as avro from 'avsc';
import { parse as parseCsv } from 'csv-parse/sync';
import type * as Hyparquet from 'hyparquet' with { 'resolution-mode': 'import' };
import type { TrackingEvent } from '@tracking/contracts';
import { EVENT_COLUMNS, type EventColumn } from './event-columns';
import type { ExportCompression, ExportFormat } from './index';

// ESM-only like hyparquet-writer; see parquet.encoder.ts and jest.config.js.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const { parquetMetadata, parquetReadObjects } = require('hyparquet') as typeof Hyparquet;

/** The format and compression of an object, from the extension this exporter gives its keys. */
export function formatOfKey(key: string): { format: ExportFormat; compression: ExportCompression; extension: string } | undefined {
  const match = /\.(jsonl|csv|parquet|avro)(\.gz)?$/.exec(key);
  if (!match) return undefined;
  const format = match[1] as ExportFormat;
  const gzip = match[2] !== undefined;
  if (gzip && (format === 'parquet' || format === 'avro')) return undefined;
  return { format, compression: gzip ? 'gzip' : 'none', extension: match[0].slice(1) };
}

type Row = Record<string, unknown>;

function millis(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  const parsed = Date.parse(String(value));
  if (Number.isNaN(parsed)) throw new Error(`not a timestamp: ${String(value)}`);
  return parsed;
}

/** The column's value as TrackingEvent holds it, from what a reader of one of the formats gave back. */
function eventValue(column: EventColumn, value: unknown, fromText: boolean): unknown {
  if (value === undefined || value === null) return null;
  switch (column.kind) {
    case 'timestamp':
      return millis(value);
    case 'json':
      // The encoders parse the text and write it again, which gives back the same text (json-lines.encoder.ts).
      return typeof value === 'string' ? (fromText ? value : JSON.stringify(JSON.parse(value))) : JSON.stringify(value);
    case 'double':
      if (fromText && value === '') return null;
      return typeof value === 'number' ? value : Number(value);
    case 'boolean':
      return typeof value === 'boolean' ? value : value === 'true';
    case 'string':
      if (!fromText) return value;
      // csvField: an empty field is null (the empty text reads back as null and writes back the same bytes);
      // formula-like text was given a leading apostrophe, taken off here.
      if (value === '') return null;
      return /^'[=+\-@\t\r]/.test(String(value)) ? String(value).slice(1) : value;
  }
}

/** An object's events, and the columns it was written with (`s3_export.fields`, in the schema's order). */
export interface DecodedObject {
  events: TrackingEvent[];
  columns: readonly EventColumn[];
  /** Avro: the writer schema's text in the file's header. */
  schemaText?: string;
}

/** A column the object does not hold reads as null: it was not exported, and is not written back. */
function toEvent(row: Row, fromText: boolean): TrackingEvent {
  const event: Row = {};
  for (const column of EVENT_COLUMNS) event[column.name] = eventValue(column, row[column.name], fromText);
  return event as unknown as TrackingEvent;
}

function columnsNamed(names: Iterable<string>): readonly EventColumn[] {
  const present = new Set(names);
  return EVENT_COLUMNS.filter((column) => present.has(column.name));
}

async function decodeAvroContainer(body: Buffer): Promise<DecodedObject> {
  const decoder = new avro.streams.BlockDecoder();
  const records: TrackingEvent[] = [];
  let names: string[] = [];
  let schemaText: string | undefined;
  decoder.on('metadata', (type: avro.Type, _codec: string, header: { meta: Record<string, Buffer> }) => {
    names = ((type as avro.types.RecordType).fields ?? []).map((field) => field.name);
    schemaText = header.meta['avro.schema']?.toString('utf8');
  });
  decoder.on('data', (record: Row) => records.push(toEvent({ ...record }, false)));
  const ended = once(decoder, 'end');
  decoder.end(body);
  await ended;
  return { events: records, columns: columnsNamed(names), schemaText };
}

/**
 * The events of an object this exporter wrote, read back (the inverse of encodeEvents). Text formats
 * give back text, so a value's type comes from the event schema's column, as when it was written.
 * CSV cannot tell an empty text from null, nor an apostrophe the writer added from one the text had:
 * both write back the same bytes, which is what a rewrite needs; the caller checks that (object-rewrite).
 * The columns come from the object itself (its keys, header, schema), not from today's configuration.
 */
export async function decodeEvents(body: Buffer, format: ExportFormat, compression: ExportCompression): Promise<DecodedObject> {
  const plain = compression === 'gzip' ? gunzipSync(body) : body;
  switch (format) {
    case 'jsonl': {
      const rows = plain
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Row);
      return { events: rows.map((row) => toEvent(row, false)), columns: rows[0] ? columnsNamed(Object.keys(rows[0])) : EVENT_COLUMNS };
    }
    case 'csv': {
      const [header = []] = parseCsv(plain, { to_line: 1 }) as string[][];
      const rows = parseCsv(plain, { columns: true, relax_quotes: false }) as Row[];
      return { events: rows.map((row) => toEvent(row, true)), columns: columnsNamed(header) };
    }
    case 'parquet': {
      const file = plain.buffer.slice(plain.byteOffset, plain.byteOffset + plain.byteLength) as ArrayBuffer;
      const names = parquetMetadata(file).schema.slice(1).map((element) => element.name);
      return { events: ((await parquetReadObjects({ file })) as Row[]).map((row) => toEvent(row, false)), columns: columnsNamed(names) };
    }
    case 'avro':
      return decodeAvroContainer(plain);
    default:
      throw new Error(`unknown export format: ${String(format satisfies never)}`);
  }
}
