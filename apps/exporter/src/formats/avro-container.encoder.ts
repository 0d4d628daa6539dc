import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import * as avro from 'avsc';
import { TRACKING_EVENT_SCHEMA_FILE, readAvroSchema, type TrackingEvent } from '@tracking/contracts';
import { EVENT_COLUMNS, ExportEncodeError, type EventColumn } from './event-columns';

interface WriterSchema {
  type: avro.Type;
  /** What goes into the header's avro.schema: the file's own schema text. */
  text: string;
}

const EVENT_SCHEMA: WriterSchema = readAvroSchema(TRACKING_EVENT_SCHEMA_FILE);
const projections = new Map<string, WriterSchema>();

/**
 * The writer schema of a file with these columns: the tracking-event schema itself for every column
 * (the file's header carries its text unchanged), else the same record with only those fields, in
 * the same order and with the same types and docs, so any Avro reader of the topic reads the file.
 */
function writerSchema(columns: readonly EventColumn[]): WriterSchema {
  if (columns.length === EVENT_COLUMNS.length) return EVENT_SCHEMA;
  const key = columns.map((column) => column.name).join(',');
  let projection = projections.get(key);
  if (!projection) {
    const full = JSON.parse(EVENT_SCHEMA.text) as { fields: Array<{ name: string }> };
    const names = new Set(columns.map((column) => column.name as string));
    const schema = { ...full, fields: full.fields.filter((field) => names.has(field.name)) };
    projection = { type: avro.Type.forSchema(schema as avro.Schema), text: JSON.stringify(schema) };
    projections.set(key, projection);
  }
  return projection;
}

const written = new Map<string, WriterSchema>();

/** The writer schema a file was written with, from its header's text (erasure rewrites a file as it was, whatever schema version wrote it). */
function schemaOfText(text: string): WriterSchema {
  let schema = written.get(text);
  if (!schema) {
    schema = { type: avro.Type.forSchema(JSON.parse(text) as avro.Schema), text };
    if (written.size > 100) written.clear();
    written.set(text, schema);
  }
  return schema;
}

// The container layout, as the Avro specification ("Object Container Files") defines it. avsc's
// BlockEncoder writes the same, but only as a stream with a random sync marker by default and
// asynchronous compression; writing it here keeps encodeEvents synchronous and every byte chosen.
const SYNC = { type: 'fixed', name: 'Sync', size: 16 } as const;
const HEADER_TYPE = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: SYNC },
  ],
});
// A block is a long count, then the (compressed) size and bytes, which is how Avro writes `bytes`.
const BLOCK_TYPE = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Block',
  fields: [
    { name: 'count', type: 'long' },
    { name: 'data', type: 'bytes' },
    { name: 'sync', type: SYNC },
  ],
});
const MAGIC = Buffer.from('Obj\x01', 'latin1');
/** Raw deflate (RFC 1951), what Avro's "deflate" codec means; zlib gives the same bytes for the same input. */
const CODEC = 'deflate';
/** Uncompressed bytes per block, as avsc's default, so readers can stream a large file block by block. */
const BLOCK_SIZE = 64 * 1024;

/** The sync marker must differ between files but not between writes of the same file. */
function syncMarker(seed: string): Buffer {
  return createHash('sha256').update(seed, 'utf8').digest().subarray(0, 16);
}

function encodeRecord(schema: WriterSchema, event: TrackingEvent): Buffer {
  try {
    return schema.type.toBuffer(event);
  } catch (error) {
    const paths: string[] = [];
    schema.type.isValid(event, { errorHook: (path) => paths.push(path.join('.')) });
    throw new ExportEncodeError(event.event_id, `does not match the Avro schema at ${paths.join(', ') || '(root)'}`, {
      cause: error,
    });
  }
}

/**
 * An Avro object container file with the tracking-event schema in its header. Always deflate,
 * whatever compression was asked for: the codec lives inside the format, and every Avro reader has it.
 */
/**
 * `writtenWith`: the schema text of a file written before (its header's), to write it again with that
 * schema instead of the one `columns` gives today.
 */
export function encodeAvroContainer(events: readonly TrackingEvent[], seed: string, columns: readonly EventColumn[] = EVENT_COLUMNS, writtenWith?: string): Buffer {
  const schema = writtenWith === undefined ? writerSchema(columns) : schemaOfText(writtenWith);
  const sync = syncMarker(seed);
  // Key order is the written order (avsc writes a map in insertion order), so it is fixed here.
  const meta = { 'avro.schema': Buffer.from(schema.text, 'utf8'), 'avro.codec': Buffer.from(CODEC, 'utf8') };
  const parts: Buffer[] = [HEADER_TYPE.toBuffer({ magic: MAGIC, meta, sync })];

  let block: Buffer[] = [];
  let blockBytes = 0;
  const flush = (): void => {
    if (block.length === 0) return;
    parts.push(BLOCK_TYPE.toBuffer({ count: block.length, data: deflateRawSync(Buffer.concat(block)), sync }));
    block = [];
    blockBytes = 0;
  };
  for (const event of events) {
    const record = encodeRecord(schema, event);
    if (blockBytes + record.length > BLOCK_SIZE) flush();
    block.push(record);
    blockBytes += record.length;
  }
  flush();
  return Buffer.concat(parts);
}
