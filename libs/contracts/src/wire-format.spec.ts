import { WireFormatError, decodeWireFormat, encodeWireFormat } from './wire-format';

describe('Confluent wire format', () => {
  describe('encodeWireFormat', () => {
    it('writes magic byte 0, the schema id big-endian, then the payload', () => {
      const sut = encodeWireFormat(258, Buffer.from([0xaa, 0xbb]));
      expect([...sut]).toEqual([0x00, 0x00, 0x00, 0x01, 0x02, 0xaa, 0xbb]);
    });

    it('refuses a schema id that does not fit in a signed 32-bit integer', () => {
      expect(() => encodeWireFormat(2 ** 31, Buffer.alloc(0))).toThrow(WireFormatError);
      expect(() => encodeWireFormat(-1, Buffer.alloc(0))).toThrow(WireFormatError);
    });
  });

  describe('decodeWireFormat', () => {
    it('reads back what encode wrote', () => {
      const sut = decodeWireFormat(encodeWireFormat(7, Buffer.from('abc')));
      expect(sut.schemaId).toBe(7);
      expect(sut.payload.toString()).toBe('abc');
    });

    it('refuses a record shorter than the header', () => {
      expect(() => decodeWireFormat(Buffer.from([0, 0, 0]))).toThrow(/shorter than the 5-byte/);
    });

    it('refuses a record without the magic byte (e.g. plain JSON)', () => {
      expect(() => decodeWireFormat(Buffer.from('{"a":1}'))).toThrow(/not the Confluent magic byte/);
    });
  });
});
