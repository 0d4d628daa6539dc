/**
 * Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian integer, then the
 * Avro binary encoding. Pure functions, no registry access.
 */
export const MAGIC_BYTE = 0;
export const WIRE_HEADER_LENGTH = 5;

export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

export function encodeWireFormat(schemaId: number, avroPayload: Buffer): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fffffff) {
    throw new WireFormatError(`schema id must be an integer between 0 and 2^31-1, got ${schemaId}`);
  }
  const framed = Buffer.allocUnsafe(WIRE_HEADER_LENGTH + avroPayload.length);
  framed.writeUInt8(MAGIC_BYTE, 0);
  framed.writeInt32BE(schemaId, 1);
  avroPayload.copy(framed, WIRE_HEADER_LENGTH);
  return framed;
}

export interface DecodedWireFormat {
  schemaId: number;
  payload: Buffer;
}

export function decodeWireFormat(framed: Buffer): DecodedWireFormat {
  if (framed.length < WIRE_HEADER_LENGTH) {
    throw new WireFormatError(`record is ${framed.length} bytes, shorter than the 5-byte Confluent header`);
  }
  const magic = framed.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    throw new WireFormatError(`record starts with byte ${magic}, not the Confluent magic byte ${MAGIC_BYTE}`);
  }
  return { schemaId: framed.readInt32BE(1), payload: framed.subarray(WIRE_HEADER_LENGTH) };
}
