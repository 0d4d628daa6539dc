import { promisify } from 'node:util';
import { zstdCompress, zstdDecompress } from 'node:zlib';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import * as lz4 from 'lz4js';
import { hash as xxh32 } from 'lz4js/xxh32.js';
import * as snappy from 'snappyjs';

/** What kafkajs asks of a codec: compress an encoder's bytes, decompress a record batch's. */
interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The Java client (and the broker, when a topic sets compression.type=snappy) writes snappy in
 * xerial's framing: a 16-byte header, then chunks each preceded by its length. Raw snappy, which is
 * what we write, is accepted by Java's reader too.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

export function snappyDecompress(buffer: Buffer): Buffer {
  if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    return asBuffer(snappy.uncompress(buffer));
  }
  const chunks: Buffer[] = [];
  for (let offset = XERIAL_HEADER_BYTES; offset < buffer.length; ) {
    const size = buffer.readInt32BE(offset);
    offset += 4;
    if (size < 0 || offset + size > buffer.length) throw new Error('snappy: xerial chunk runs past the end of the record batch');
    chunks.push(asBuffer(snappy.uncompress(buffer.subarray(offset, offset + size))));
    offset += size;
  }
  return Buffer.concat(chunks);
}

/**
 * An LZ4 frame as Kafka's Java reader wants it: blocks flagged independent (it refuses dependent
 * ones, and lz4js's own frames carry no such flag) and at most 64 KiB each, as Java writes them.
 */
const LZ4_MAGIC = 0x184d2204;
const LZ4_FLAGS = 0x60; // version 01, independent blocks, no checksums, no content size
const LZ4_BLOCK_DESCRIPTOR = 0x40; // largest block 64 KiB
const LZ4_BLOCK_BYTES = 64 * 1024;
const LZ4_UNCOMPRESSED = 0x80000000;

export function lz4Compress(source: Buffer): Buffer {
  const header = Buffer.alloc(7);
  header.writeUInt32LE(LZ4_MAGIC, 0);
  header[4] = LZ4_FLAGS;
  header[5] = LZ4_BLOCK_DESCRIPTOR;
  header[6] = (xxh32(0, header, 4, 2) >>> 8) & 0xff;
  const parts = [header];
  const scratch = Buffer.alloc(lz4.compressBound(LZ4_BLOCK_BYTES));
  const hashTable = new Uint32Array(1 << 16);
  for (let offset = 0; offset < source.length; offset += LZ4_BLOCK_BYTES) {
    const block = source.subarray(offset, offset + LZ4_BLOCK_BYTES);
    // A fresh table per block, so that no match reaches back into the block before.
    hashTable.fill(0);
    const size = lz4.compressBlock(block, scratch, 0, block.length, hashTable);
    const length = Buffer.alloc(4);
    if (size === 0 || size >= block.length) {
      length.writeUInt32LE((LZ4_UNCOMPRESSED | block.length) >>> 0);
      parts.push(length, Buffer.from(block));
    } else {
      length.writeUInt32LE(size);
      parts.push(length, Buffer.from(scratch.subarray(0, size)));
    }
  }
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts);
}

const zstdCompressAsync = promisify(zstdCompress);
const zstdDecompressAsync = promisify(zstdDecompress);

const CODECS: Record<CompressionTypes.Snappy | CompressionTypes.LZ4 | CompressionTypes.ZSTD, KafkaCodec> = {
  [CompressionTypes.Snappy]: {
    compress: async ({ buffer }) => asBuffer(snappy.compress(buffer)),
    decompress: async (buffer) => snappyDecompress(buffer),
  },
  // Kafka's LZ4 is the standard LZ4 frame format (its header checksum fixed by KIP-57).
  [CompressionTypes.LZ4]: {
    compress: async ({ buffer }) => lz4Compress(buffer),
    decompress: async (buffer) => asBuffer(lz4.decompress(buffer)),
  },
  // Node's own zstd (node:zlib, Node 22.15+), off the main thread like gzip.
  [CompressionTypes.ZSTD]: {
    compress: ({ buffer }) => zstdCompressAsync(buffer),
    decompress: (buffer) => zstdDecompressAsync(buffer),
  },
};

/**
 * kafkajs ships gzip only and throws "not implemented" for the others, on produce and on fetch
 * alike; its codec table is global to the process, so registering once covers every client. Every
 * place that creates a Kafka client calls this (it is idempotent), so a consumer reads what a
 * producer configured with KAFKA_COMPRESSION, or any other client, wrote.
 */
let registered = false;

export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  for (const [type, codec] of Object.entries(CODECS)) {
    CompressionCodecs[Number(type) as keyof typeof CODECS] = () => codec;
  }
}
