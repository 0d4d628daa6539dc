import { gzipSync } from 'node:zlib';
import type { TrackingEvent } from '@tracking/contracts';
import { encodeAvroContainer } from './avro-container.encoder';
import { encodeCsv } from './csv.encoder';
import { EVENT_COLUMNS, type EventColumn } from './event-columns';
import { encodeJsonLines } from './json-lines.encoder';
import { encodeParquet } from './parquet.encoder';

export { EVENT_COLUMN_NAMES, ExportEncodeError, selectColumns, type EventColumn } from './event-columns';

export const EXPORT_FORMATS = ['jsonl', 'csv', 'parquet', 'avro'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Whole-object compression, for the text formats (jsonl, csv). Parquet and Avro ignore it: they
 * compress inside the file (Snappy pages, deflate blocks), which their readers expect; a gzipped
 * Parquet or Avro file is one that no reader opens.
 */
export type ExportCompression = 'none' | 'gzip';

export interface EncodedObject {
  body: Buffer;
  contentType: string;
  /** 'jsonl', 'jsonl.gz', 'csv', 'csv.gz', 'parquet' or 'avro'. */
  extension: string;
}

function textObject(body: Buffer, contentType: string, extension: string, compression: ExportCompression): EncodedObject {
  if (compression === 'none') return { body, contentType, extension };
  // gzipSync writes mtime 0 and no file name into the header, so the bytes depend on the body only.
  return { body: gzipSync(body), contentType: 'application/gzip', extension: `${extension}.gz` };
}

/**
 * The bytes of one S3 object. The same events, format, compression and seed always give the same
 * bytes, so a replay that rewrites an object leaves its checksum unchanged. `seed` is the object's
 * key stem (e.g. `tracking.events.v1+3+100-199`); only Avro uses it, for its sync marker.
 * `columns` is the customer's `s3_export.fields` (selectColumns), every column by default.
 * Throws ExportEncodeError (not retriable) for an event that cannot be written.
 */
export function encodeEvents(
  events: readonly TrackingEvent[],
  format: ExportFormat,
  compression: ExportCompression,
  seed: string,
  columns: readonly EventColumn[] = EVENT_COLUMNS,
): EncodedObject {
  switch (format) {
    case 'jsonl':
      return textObject(encodeJsonLines(events, columns), 'application/x-ndjson', 'jsonl', compression);
    case 'csv':
      return textObject(encodeCsv(events, columns), 'text/csv; charset=utf-8; header=present', 'csv', compression);
    case 'parquet':
      return { body: encodeParquet(events, columns), contentType: 'application/vnd.apache.parquet', extension: 'parquet' };
    case 'avro':
      return { body: encodeAvroContainer(events, seed, columns), contentType: 'application/avro', extension: 'avro' };
    default:
      throw new Error(`unknown export format: ${String(format satisfies never)}`);
  }
}
