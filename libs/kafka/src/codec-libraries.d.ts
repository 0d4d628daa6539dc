// The two pure-JavaScript codec libraries ship no types; only what compression-codecs.ts calls.
declare module 'snappyjs' {
  export function compress(uncompressed: Uint8Array): Uint8Array;
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
}

declare module 'lz4js' {
  export function compressBound(length: number): number;
  /** One raw LZ4 block of source[start, start + length) into destination; 0 when nothing matched. */
  export function compressBlock(source: Uint8Array, destination: Uint8Array, start: number, length: number, hashTable: Uint32Array): number;
  /** A whole LZ4 frame (magic, descriptor, blocks, end mark) back to its content. */
  export function decompress(frame: Uint8Array): Uint8Array;
}

declare module 'lz4js/xxh32.js' {
  export function hash(seed: number, source: Uint8Array, start: number, length: number): number;
}
