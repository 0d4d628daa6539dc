import * as avro from 'avsc';
import { encodeWireFormat, readAvroSchema, TOPICS, TRACKING_EVENT_SCHEMA_FILE } from '@tracking/contracts';
import { RecordDecoder, decodeHeaders, toJsonValue, type RawRecord } from './record-decoder';

describe(RecordDecoder.name, () => {
  const blobType = avro.Type.forSchema({ type: 'record', name: 'Blob', fields: [{ name: 'id', type: 'string' }, { name: 'data', type: 'bytes' }] });
  const eventType = readAvroSchema(TRACKING_EVENT_SCHEMA_FILE).type;
  const types = new Map<number, avro.Type>([
    [1, eventType],
    [9, blobType],
  ]);
  const setup = (expectsAvro = true) => {
    const registry = { typeById: jest.fn(async (id: number) => types.get(id) ?? Promise.reject(new Error(`Schema ${id} not found`))) };
    return { sut: new RecordDecoder(registry, expectsAvro), mocks: { registry } };
  };
  const record = (overrides: Partial<RawRecord>): RawRecord => ({
    topic: 'some.topic',
    partition: 2,
    offset: '41',
    timestamp: String(Date.UTC(2026, 10, 22, 10)),
    key: Buffer.from('k1'),
    value: null,
    headers: {},
    ...overrides,
  });

  it('gives the metadata of the record: partition, numeric offset, ISO timestamp, key, headers', async () => {
    const { sut } = setup();
    const line = await sut.decode(record({ headers: { ce_id: Buffer.from('e1') } }));
    expect(line).toEqual({
      topic: 'some.topic',
      partition: 2,
      offset: 41,
      timestamp: '2026-11-22T10:00:00.000Z',
      key: 'k1',
      headers: { ce_id: 'e1' },
      encoding: 'null',
      value: null,
    });
  });

  it('decodes an Avro value with its writer schema, bytes as base64, and looks each schema id up once', async () => {
    const { sut, mocks } = setup();
    const value = encodeWireFormat(9, blobType.toBuffer({ id: 'a', data: Buffer.from([1, 2, 3]) }));
    const line = await sut.decode(record({ value }));
    await sut.decode(record({ value }));
    expect(line).toMatchObject({ encoding: 'avro', schemaId: 9, value: { id: 'a', data: 'AQID' } });
    expect(mocks.registry.typeById).toHaveBeenCalledTimes(1);
  });

  it('parses event_data of tracking.events.v1 into an object', async () => {
    const { sut } = setup();
    const event = {
      event_id: 'e1', customer_id: 'c1', event_type: 'page_view', occurred_at: 1, received_at: 2, event_data: '{"plan":"pro"}', source: 'api',
    };
    // clone fills in the defaults of the fields left out (the nullable ones).
    const value = encodeWireFormat(1, eventType.toBuffer(eventType.clone(event)));
    const line = await sut.decode(record({ topic: TOPICS.trackingEvents, value }));
    expect(line.value).toMatchObject({ event_id: 'e1', event_data: { plan: 'pro' }, page_url: null });
  });

  it('shows a value that is not Avro as text, or base64 when it is not UTF-8, with the reason on an Avro topic', async () => {
    const { sut } = setup(true);
    expect(await sut.decode(record({ value: Buffer.from('{"not":"avro"}') }))).toMatchObject({
      encoding: 'utf8',
      value: '{"not":"avro"}',
      decodeError: expect.stringMatching(/magic byte/),
    });
    expect(await sut.decode(record({ value: encodeWireFormat(77, Buffer.from([0xff])) }))).toMatchObject({
      encoding: 'base64',
      decodeError: expect.stringMatching(/schema id 77/),
    });
  });

  it('shows raw values of a topic without a value schema without a decode error', async () => {
    const { sut } = setup(false);
    const line = await sut.decode(record({ value: Buffer.from('plain'), key: Buffer.from([0xc3, 0x28]) }));
    expect(line).toMatchObject({ encoding: 'utf8', value: 'plain', key: 'wyg=', keyEncoding: 'base64' });
    expect(line).not.toHaveProperty('decodeError');
  });
});

describe(toJsonValue.name, () => {
  it('turns nested Buffers into base64 and keeps everything else', () => {
    expect(toJsonValue({ a: [Buffer.from('hi')], b: { c: 1, d: null } })).toEqual({ a: ['aGk='], b: { c: 1, d: null } });
  });
});

describe(decodeHeaders.name, () => {
  it('decodes header values as UTF-8, lists repeated ones and drops undefined ones', () => {
    expect(decodeHeaders({ a: Buffer.from('x'), b: 'y', c: [Buffer.from('1'), '2'], d: undefined })).toEqual({ a: 'x', b: 'y', c: ['1', '2'] });
  });
});
