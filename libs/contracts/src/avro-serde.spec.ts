import * as avro from 'avsc';
import { AvroDecodeError, AvroDeserializer, AvroEncodeError, SchemaNotRegisteredError, createAvroSerializer, type SchemaRegistryPort } from './avro-serde';
import { encodeWireFormat } from './wire-format';

/** An in-memory registry: enough to test the serde without I/O (the real one is tested in integration). */
function fakeRegistry(): SchemaRegistryPort & { schemas: Map<number, string>; register(schema: string): number } {
  const schemas = new Map<number, string>();
  return {
    schemas,
    register: (schema) => {
      for (const [id, text] of schemas) if (text === schema) return id;
      schemas.set(schemas.size + 1, schema);
      return schemas.size;
    },
    lookup: async (subject, schema) => {
      for (const [id, text] of schemas) if (text === schema) return id;
      throw new SchemaNotRegisteredError(subject, `no subject ${subject}`);
    },
    typeById: async (id) => {
      const text = schemas.get(id);
      if (!text) throw new Error(`unknown id ${id}`);
      return avro.Type.forSchema(JSON.parse(text) as avro.Schema);
    },
  };
}

const v1 = { type: 'record', name: 'Thing', fields: [{ name: 'id', type: 'string' }] };
const v2 = { type: 'record', name: 'Thing', fields: [{ name: 'id', type: 'string' }, { name: 'note', type: ['null', 'string'], default: null }] };
const schema = (definition: object) => ({ text: JSON.stringify(definition), type: avro.Type.forSchema(definition as avro.Schema) });

describe('Avro serde', () => {
  it('writes the registered schema id into the Confluent header', async () => {
    const registry = fakeRegistry();
    registry.register(JSON.stringify(v1));
    const sut = await createAvroSerializer<{ id: string }>(registry, 'things-value', schema(v1));
    const framed = sut.serialize({ id: 'a' });
    expect(framed[0]).toBe(0);
    expect(framed.readInt32BE(1)).toBe(sut.schemaId);
  });

  it('only looks its schema up, and names the subject and the schema file when it is not registered', async () => {
    await expect(createAvroSerializer(fakeRegistry(), 'things-value', { ...schema(v1), fileName: 'thing.v1.avsc' })).rejects.toThrow(
      /schemas\/avro\/thing\.v1\.avsc is not registered: no subject things-value\. Services do not register schemas: run `tracking schemas register`/,
    );
  });

  it('names the invalid path when a record does not match', async () => {
    const registry = fakeRegistry();
    registry.register(JSON.stringify(v1));
    const sut = await createAvroSerializer<unknown>(registry, 'things-value', schema(v1));
    expect(() => sut.serialize({ id: 42 })).toThrow(AvroEncodeError);
    expect(() => sut.serialize({ id: 42 })).toThrow(/at id/);
  });

  it('reads records of an older writer schema into the newer reader schema', async () => {
    const registry = fakeRegistry();
    registry.register(JSON.stringify(v1));
    const writer = await createAvroSerializer<{ id: string }>(registry, 'things-value', schema(v1));
    const sut = new AvroDeserializer<{ id: string; note: string | null }>(registry, schema(v2).type);
    await expect(sut.deserialize(writer.serialize({ id: 'a' }))).resolves.toEqual({ id: 'a', note: null });
  });

  it('reports bytes that are not the wire format as a poison record', async () => {
    const sut = new AvroDeserializer(fakeRegistry(), schema(v1).type);
    await expect(sut.deserialize(Buffer.from('{"id":"a"}'))).rejects.toBeInstanceOf(AvroDecodeError);
  });

  it('reports a payload that does not decode as a poison record', async () => {
    const registry = fakeRegistry();
    const id = registry.register(JSON.stringify(v1));
    const sut = new AvroDeserializer(registry, schema(v1).type);
    await expect(sut.deserialize(encodeWireFormat(id, Buffer.from([0x09])))).rejects.toBeInstanceOf(AvroDecodeError);
  });

  it('does not cache a failed schema lookup, so a registry outage heals', async () => {
    const registry = fakeRegistry();
    const sut = new AvroDeserializer<{ id: string }>(registry, schema(v1).type);
    const framed = encodeWireFormat(1, schema(v1).type.toBuffer({ id: 'a' }));
    await expect(sut.deserialize(framed)).rejects.toThrow(/unknown id 1/);
    registry.register(JSON.stringify(v1));
    await expect(sut.deserialize(framed)).resolves.toEqual({ id: 'a' });
  });
});
