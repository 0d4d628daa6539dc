import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import * as avro from 'avsc';
import { TRACKING_EVENT_SCHEMA_FILE, readAvroSchema, type TrackingEvent } from '@tracking/contracts';
import { ExportEncodeError } from './event-columns';

const EVENT_SCHEMA = readAvroSchema(TRACKING_EVENT_SCHEMA_FILE);

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

function encodeRecord(event: TrackingEvent): Buffer {
  try {
    return EVENT_SCHEMA.type.toBuffer(event);
  } catch (error) {
    const paths: string[] = [];
    EVENT_SCHEMA.type.isValid(event, { errorHook: (path) => paths.push(path.join('.')) });
    throw new ExportEncodeError(event.event_id, `does not match the Avro schema at ${paths.join(', ') || '(root)'}`, {
      cause: error,
    });
  }
}

/**
 * An Avro object container file with the tracking-event schema in its header. Always deflate,
 * whatever compression was asked for: the codec lives inside the format, and every Avro reader has it.
 */
export function encodeAvroContainer(events: readonly TrackingEvent[], seed: string): Buffer {
  const sync = syncMarker(seed);
  // Key order is the written order (avsc writes a map in insertion order), so it is fixed here.
  const meta = { 'avro.schema': Buffer.from(EVENT_SCHEMA.text, 'utf8'), 'avro.codec': Buffer.from(CODEC, 'utf8') };
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
    const record = encodeRecord(event);
    if (blockBytes + record.length > BLOCK_SIZE) flush();
    block.push(record);
    blockBytes += record.length;
  }
  flush();
  return Buffer.concat(parts);
}
