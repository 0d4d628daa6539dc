import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import * as snappy from 'snappyjs';
import { lz4Compress, registerCompressionCodecs, snappyDecompress } from './compression-codecs';

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

// Repetitive like a record batch of events, and over 64 KiB so LZ4 and xerial snappy take several blocks.
const payload = Buffer.from(Array.from({ length: 2000 }, (_, i) => `{"event_type":"page_view","n":${i},"page_url":"https://example.com/p/${i % 17}"}`).join('\n'));

describe('Kafka compression codecs', () => {
  beforeAll(() => registerCompressionCodecs());

  it.each([
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ] as const)('%s is registered in kafkajs and gives back what it compressed', async (_name, type) => {
    const codec = (CompressionCodecs[type] as () => Codec)();
    const compressed = await codec.compress({ buffer: payload });
    expect(compressed.length).toBeLessThan(payload.length / 4);
    expect((await codec.decompress(compressed)).equals(payload)).toBe(true);
  });

  it('writes LZ4 frames of independent blocks, which is all Kafka reads', () => {
    const frame = lz4Compress(payload);
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]! & 0x20).toBe(0x20);
    expect(frame[5]).toBe(0x40);
  });

  it('reads snappy in the xerial framing the Java client and the broker write', () => {
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const parts = [payload.subarray(0, 32 * 1024), payload.subarray(32 * 1024)];
    const chunks = parts.flatMap((part) => {
      const compressed = Buffer.from(snappy.compress(part));
      const size = Buffer.alloc(4);
      size.writeInt32BE(compressed.length);
      return [size, compressed];
    });
    expect(snappyDecompress(Buffer.concat([header, ...chunks])).equals(payload)).toBe(true);
  });

  it('refuses a xerial chunk that claims more bytes than the batch holds', () => {
    const framed = Buffer.concat([Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]), Buffer.from([0, 0, 1, 0]), Buffer.from([1, 2, 3])]);
    expect(() => snappyDecompress(framed)).toThrow(/past the end/);
  });
});
