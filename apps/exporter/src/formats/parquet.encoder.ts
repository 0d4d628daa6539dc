import type { TrackingEvent } from '@tracking/contracts';
import type * as HyparquetWriter from 'hyparquet-writer' with { 'resolution-mode': 'import' };
import { EVENT_COLUMNS, parsedJson, type ColumnKind, type EventColumn } from './event-columns';

// hyparquet-writer is published as ES modules only. Node 24 require()s an ES module that has no
// top-level await (this one has none), which keeps this CommonJS build and encodeEvents synchronous;
// jest.config.js compiles the package to CommonJS for the tests, whose module loader cannot.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const { parquetWriteBuffer } = require('hyparquet-writer') as typeof HyparquetWriter;

type SchemaElement = HyparquetWriter.SchemaElement;

/** Converted types for the readers that predate logical types, logical types for the rest. */
const PHYSICAL_TYPES: Record<ColumnKind, Omit<SchemaElement, 'name' | 'repetition_type'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  json: { type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' } },
  timestamp: {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MILLIS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
  },
  double: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
};

function schemaElement(column: EventColumn): SchemaElement {
  return { name: column.name, repetition_type: column.nullable ? 'OPTIONAL' : 'REQUIRED', ...PHYSICAL_TYPES[column.kind] };
}

function schema(columns: readonly EventColumn[]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.map(schemaElement)];
}

function parquetValue(event: TrackingEvent, column: EventColumn): unknown {
  const value = event[column.name];
  if (value === null) return null;
  // The writer serialises JSON columns itself, so it gets the value rather than the text.
  if (column.kind === 'json') return parsedJson(event, column);
  return value;
}

/**
 * One Parquet file, one typed column per Avro field. Snappy always: the writer's own pure-JS
 * compressor, deterministic, and the codec every Parquet reader has. No time or host goes into the
 * file, so the same events give the same bytes.
 */
export function encodeParquet(events: readonly TrackingEvent[], columns: readonly EventColumn[] = EVENT_COLUMNS): Buffer {
  const columnData = columns.map((column) => ({
    name: column.name,
    data: events.map((event) => parquetValue(event, column)),
  }));
  const file = parquetWriteBuffer({
    columnData,
    schema: schema(columns),
    codec: 'SNAPPY',
    createdBy: 'tracking-platform exporter (hyparquet-writer)',
  });
  return Buffer.from(file);
}
