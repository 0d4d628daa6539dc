import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import * as avro from 'avsc';
import { parse as parseCsv } from 'csv-parse/sync';
import type * as Hyparquet from 'hyparquet' with { 'resolution-mode': 'import' };
import { TRACKING_EVENT_SCHEMA_FILE, readAvroSchema, type TrackingEvent } from '@tracking/contracts';
import { EXPORT_FORMATS, ExportEncodeError, encodeEvents, selectColumns, type ExportCompression, type ExportFormat } from './index';

// ESM-only like hyparquet-writer; see parquet.encoder.ts and jest.config.js.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const { parquetMetadata, parquetReadObjects } = require('hyparquet') as typeof Hyparquet;

const SEED = 'tracking.events.v1+3+100-199';
const FIELD_NAMES = (JSON.parse(readAvroSchema(TRACKING_EVENT_SCHEMA_FILE).text) as { fields: Array<{ name: string }> }).fields.map(
  (field) => field.name,
);
const TIMESTAMP_FIELDS = ['occurred_at', 'received_at', 'sent_at'] as const;

/** Seed 000's basic page view at one_spa (HIPAA: hashed address), with text outside ASCII. */
const spaPageView: TrackingEvent = {
  event_id: '9f2c4e8a1b7d3f60a5e9c2d4b8f1a3e7c6d0b9a8f7e6d5c4b3a2918070605040',
  customer_id: 'one_spa',
  event_type: 'page_view',
  event_name: 'Massage – Entspannung für Körper & Geist 💆 按摩',
  page_url: 'https://onespa.com/services/massage-therapy',
  referrer: 'https://www.google.com/search?q=massage+downtown',
  occurred_at: Date.parse('2024-12-28T10:30:00.123Z'),
  received_at: Date.parse('2024-12-28T10:30:00.456Z'),
  sent_at: Date.parse('2024-12-28T10:30:00.400Z'),
  session_id: 'sess_spa_customer_123',
  visitor_id: 'vis_7f3a',
  user_id: null,
  location_id: 'spa_downtown_location',
  consent_state: 'granted',
  ip_address: 'hmac:3b1f0c9e5d7a2b4c6e8f0a1b2c3d4e5f',
  user_agent: 'Mozilla/5.0 Chrome/131 Safari/537',
  event_data: JSON.stringify({
    session_id: 'sess_spa_customer_123',
    location_id: 'spa_downtown_location',
    page_category: 'services',
    service_type: 'massage_therapy',
    note: 'Ünïcødé ✓, "quoted", line\nbreak',
  }),
  utm_source: null,
  utm_medium: null,
  utm_campaign: null,
  utm_term: null,
  utm_content: null,
  batch_id: null,
  source: 'api',
  referrer_domain: 'google.com',
  security_score: 100,
  suspicious: false,
  key_id: 'tok_one_spa_dev',
  library_name: null,
  library_version: null,
  site_id: null,
};

/** An item interaction from a bulk request, most optional fields null. */
const bulkItemInteraction: TrackingEvent = {
  event_id: 'evt_client_0001',
  customer_id: 'retail_chain',
  event_type: 'item_interaction',
  event_name: null,
  page_url: 'https://mystore.com/products/organic-skincare-set',
  referrer: null,
  occurred_at: Date.parse('2024-12-28T11:00:00.000Z'),
  received_at: Date.parse('2024-12-28T11:00:02.009Z'),
  sent_at: null,
  session_id: 'sess_ecom_456',
  visitor_id: null,
  user_id: 'customer_789',
  location_id: null,
  consent_state: null,
  ip_address: '203.0.113.0/24',
  user_agent: null,
  event_data: JSON.stringify({
    action: 'add_to_cart',
    product_id: 'skincare_set_organic_001',
    product_price: 129.99,
    quantity: 1,
    tags: ['beauty', 'organic'],
    gift: { wrapped: true, message: null },
  }),
  utm_source: 'instagram',
  utm_medium: 'social',
  utm_campaign: 'holiday_beauty_2024',
  utm_term: null,
  utm_content: null,
  batch_id: 'batch_holiday_campaign_001',
  source: 'bulk',
  referrer_domain: null,
  security_score: null,
  suspicious: false,
  key_id: null,
  library_name: null,
  library_version: null,
  site_id: null,
};

/** A browser event the bot check flagged, carrying text aimed at spreadsheets and CSV parsers. */
const suspiciousBrowserEvent: TrackingEvent = {
  event_id: 'evt_browser_4711',
  customer_id: 'retail_chain',
  event_type: 'custom_event',
  event_name: '=HYPERLINK("https://evil.example/?a=1,b=2","Prize")',
  page_url: 'https://retailchain.com/checkout/payment?step=4,5',
  referrer: 'https://evil.example/landing',
  occurred_at: Date.parse('1999-12-31T23:59:59.999Z'),
  received_at: Date.parse('2024-12-28T12:00:00.000Z'),
  sent_at: Date.parse('2024-12-28T11:59:59.000Z'),
  session_id: null,
  visitor_id: 'vis_bot_1',
  user_id: null,
  location_id: 'store_sf_union_square',
  consent_state: 'pending',
  ip_address: '2001:db8:1234::/48',
  user_agent: 'python-requests/2.32\nX-Injected: 1',
  event_data: '{}',
  utm_source: null,
  utm_medium: null,
  utm_campaign: null,
  utm_term: '+1 spa deals',
  utm_content: null,
  batch_id: null,
  source: 'browser',
  referrer_domain: 'evil.example',
  security_score: 35.5,
  suspicious: true,
  key_id: 'pk_live_retail_chain_6dd7b6e2ef4e32de',
  library_name: null,
  library_version: null,
  site_id: null,
};

const EVENTS: readonly TrackingEvent[] = [spaPageView, bulkItemInteraction, suspiciousBrowserEvent];

function manyEvents(count: number): TrackingEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    ...EVENTS[index % EVENTS.length],
    event_id: `evt_${index}`,
    occurred_at: EVENTS[0].occurred_at + index,
  }));
}

function iso(millis: number | null): string | null {
  return millis === null ? null : new Date(millis).toISOString();
}

function arrayBufferOf(body: Buffer): ArrayBuffer {
  // A fresh copy: a Buffer's own ArrayBuffer may be a shared pool, and Jest's realm has its own ArrayBuffer.
  const copy = new ArrayBuffer(body.byteLength);
  new Uint8Array(copy).set(body);
  return copy;
}

async function readAvroContainer(body: Buffer): Promise<{ records: unknown[]; codec: string; meta: Record<string, Buffer>; sync: Buffer }> {
  const decoder = new avro.streams.BlockDecoder();
  const records: unknown[] = [];
  let header: { codec: string; meta: Record<string, Buffer>; sync: Buffer } | undefined;
  decoder.on('metadata', (_type: avro.Type, codec: string, raw: { meta: Record<string, Buffer>; sync: Buffer }) => {
    header = { codec, meta: raw.meta, sync: raw.sync };
  });
  decoder.on('data', (record: unknown) => records.push(record));
  const ended = once(decoder, 'end');
  decoder.end(body);
  await ended;
  return { records, ...header! };
}

describe(encodeEvents.name, () => {
  describe('jsonl', () => {
    const expected = (event: TrackingEvent): Record<string, unknown> => ({
      ...event,
      occurred_at: iso(event.occurred_at),
      received_at: iso(event.received_at),
      sent_at: iso(event.sent_at),
      event_data: JSON.parse(event.event_data),
    });

    it('writes one JSON object per line, with real nested event_data and ISO timestamps', () => {
      const sut = encodeEvents(EVENTS, 'jsonl', 'none', SEED);

      expect(sut).toMatchObject({ contentType: 'application/x-ndjson', extension: 'jsonl' });
      expect(sut.contentType).not.toBe('application/gzip');
      const text = sut.body.toString('utf8');
      expect(text.endsWith('}\n')).toBe(true);
      const lines = text.slice(0, -1).split('\n');
      expect(lines.map((line) => JSON.parse(line))).toEqual(EVENTS.map(expected));
    });

    it('keeps the keys in the Avro field order', () => {
      const [first] = encodeEvents(EVENTS, 'jsonl', 'none', SEED).body.toString('utf8').split('\n');

      expect(Object.keys(JSON.parse(first))).toEqual(FIELD_NAMES);
      expect(first).toContain('"occurred_at":"2024-12-28T10:30:00.123Z"');
    });

    it('gzips the same lines into a .jsonl.gz with mtime 0 in its header', () => {
      const sut = encodeEvents(EVENTS, 'jsonl', 'gzip', SEED);

      expect(sut).toMatchObject({ contentType: 'application/gzip', extension: 'jsonl.gz' });
      expect(sut.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(sut.body.readUInt32LE(4)).toBe(0);
      expect(gunzipSync(sut.body)).toEqual(encodeEvents(EVENTS, 'jsonl', 'none', SEED).body);
    });
  });

  describe('csv', () => {
    /** What a CSV reader should get back: text as given, nulls empty, timestamps ISO. */
    const cells = (event: TrackingEvent): string[] =>
      FIELD_NAMES.map((name) => {
        const value = event[name as keyof TrackingEvent];
        if (value === null) return '';
        if ((TIMESTAMP_FIELDS as readonly string[]).includes(name)) return iso(value as number)!;
        return String(value);
      });

    it('reads back with a header in Avro field order and one record per event', () => {
      const sut = encodeEvents(EVENTS, 'csv', 'none', SEED);

      expect(sut).toMatchObject({ contentType: 'text/csv; charset=utf-8; header=present', extension: 'csv' });
      // CRLF is the only record delimiter given: records ended by a bare LF would not split.
      const [header, ...records] = parseCsv(sut.body.toString('utf8'), { record_delimiter: '\r\n' }) as string[][];
      expect(header).toEqual(FIELD_NAMES);
      const expected = EVENTS.map(cells);
      // Formula injection guard, as the gateway's CSV export does it.
      expected[2][FIELD_NAMES.indexOf('event_name')] = `'${suspiciousBrowserEvent.event_name}`;
      expected[2][FIELD_NAMES.indexOf('utm_term')] = `'${suspiciousBrowserEvent.utm_term}`;
      expect(records).toEqual(expected);
    });

    it('quotes commas, quotes and line breaks and doubles quotes (RFC 4180)', () => {
      const text = encodeEvents(EVENTS, 'csv', 'none', SEED).body.toString('utf8');

      expect(text.startsWith(`${FIELD_NAMES.join(',')}\r\n`)).toBe(true);
      expect(text.endsWith('\r\n')).toBe(true);
      expect(text).toContain(`,"'=HYPERLINK(""https://evil.example/?a=1,b=2"",""Prize"")",`);
      expect(text).toContain(',"python-requests/2.32\nX-Injected: 1",');
      expect(text).toContain(',"https://retailchain.com/checkout/payment?step=4,5",');
    });

    it('writes nulls as empty fields, booleans as true/false and event_data as its JSON text', () => {
      const [, , second, third] = parseCsv(encodeEvents(EVENTS, 'csv', 'none', SEED).body, {
        record_delimiter: '\r\n',
        columns: false,
      }) as string[][];
      const cell = (record: string[], name: string): string => record[FIELD_NAMES.indexOf(name)];

      expect(cell(second, 'sent_at')).toBe('');
      expect(cell(second, 'security_score')).toBe('');
      expect(cell(second, 'event_data')).toBe(bulkItemInteraction.event_data);
      expect(cell(third, 'suspicious')).toBe('true');
      expect(cell(second, 'suspicious')).toBe('false');
      expect(cell(third, 'security_score')).toBe('35.5');
    });

    it('gzips into a .csv.gz', () => {
      const sut = encodeEvents(EVENTS, 'csv', 'gzip', SEED);

      expect(sut).toMatchObject({ contentType: 'application/gzip', extension: 'csv.gz' });
      expect(gunzipSync(sut.body)).toEqual(encodeEvents(EVENTS, 'csv', 'none', SEED).body);
    });
  });

  describe('parquet', () => {
    const expected = (event: TrackingEvent): Record<string, unknown> => ({
      ...event,
      occurred_at: new Date(event.occurred_at),
      received_at: new Date(event.received_at),
      sent_at: event.sent_at === null ? null : new Date(event.sent_at),
      event_data: JSON.parse(event.event_data),
    });

    it('reads back, typed, with hyparquet', async () => {
      const sut = encodeEvents(EVENTS, 'parquet', 'gzip', SEED);

      expect(sut).toEqual({ body: expect.any(Buffer), contentType: 'application/vnd.apache.parquet', extension: 'parquet' });
      const rows = await parquetReadObjects({ file: arrayBufferOf(sut.body) });
      expect(rows).toEqual(EVENTS.map(expected));
      expect(Object.keys(rows[0])).toEqual(FIELD_NAMES);
    });

    it('declares typed columns, nullable exactly where the Avro field is, compressed with Snappy', () => {
      const metadata = parquetMetadata(arrayBufferOf(encodeEvents(EVENTS, 'parquet', 'none', SEED).body));
      const column = (name: string) => metadata.schema.find((element) => element.name === name);

      expect(metadata.schema.slice(1).map((element) => element.name)).toEqual(FIELD_NAMES);
      expect(column('event_id')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' });
      expect(column('event_name')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
      expect(column('occurred_at')).toMatchObject({
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
        repetition_type: 'REQUIRED',
      });
      expect(column('sent_at')).toMatchObject({ type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'OPTIONAL' });
      expect(column('security_score')).toMatchObject({ type: 'DOUBLE', repetition_type: 'OPTIONAL' });
      expect(column('suspicious')).toMatchObject({ type: 'BOOLEAN', repetition_type: 'REQUIRED' });
      expect(column('event_data')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: 'REQUIRED' });
      const codecs = metadata.row_groups.flatMap((group) => group.columns.map((chunk) => chunk.meta_data?.codec));
      expect(new Set(codecs)).toEqual(new Set(['SNAPPY']));
    });

    it('reads back thousands of events across row groups', async () => {
      const events = manyEvents(2500);
      const body = encodeEvents(events, 'parquet', 'none', SEED).body;

      expect(parquetMetadata(arrayBufferOf(body)).row_groups.length).toBeGreaterThan(1);
      expect(await parquetReadObjects({ file: arrayBufferOf(body) })).toEqual(events.map(expected));
    });
  });

  describe('avro', () => {
    it('reads back with avsc as an object container with the schema and a sync marker from the seed', async () => {
      const sut = encodeEvents(EVENTS, 'avro', 'none', SEED);

      expect(sut).toEqual({ body: expect.any(Buffer), contentType: 'application/avro', extension: 'avro' });
      const file = await readAvroContainer(sut.body);
      expect(file.records).toEqual(EVENTS);
      expect(file.codec).toBe('deflate');
      expect(file.meta['avro.schema'].toString('utf8')).toBe(readAvroSchema(TRACKING_EVENT_SCHEMA_FILE).text);
      expect(file.sync).toEqual(createHash('sha256').update(SEED).digest().subarray(0, 16));
    });

    it('splits thousands of events into blocks', async () => {
      const events = manyEvents(2500);
      const body = encodeEvents(events, 'avro', 'none', SEED).body;
      const sync = createHash('sha256').update(SEED).digest().subarray(0, 16);
      let markers = 0;
      for (let at = body.indexOf(sync); at !== -1; at = body.indexOf(sync, at + 1)) markers++;

      expect(markers).toBeGreaterThan(2); // the header's and one after each block
      expect((await readAvroContainer(body)).records).toEqual(events);
    });

    it('names the event and the field that does not match the schema', () => {
      const broken = { ...bulkItemInteraction, source: 42 } as unknown as TrackingEvent;

      expect(() => encodeEvents([broken], 'avro', 'none', SEED)).toThrow(ExportEncodeError);
      expect(() => encodeEvents([broken], 'avro', 'none', SEED)).toThrow('event evt_client_0001: does not match the Avro schema at source');
    });
  });

  describe('for every format', () => {
    const cases = EXPORT_FORMATS.flatMap((format) => (['none', 'gzip'] as const).map((compression) => [format, compression] as const));

    it.each(cases)('%s (%s) gives byte-identical output for identical events', (format: ExportFormat, compression: ExportCompression) => {
      const first = encodeEvents(structuredClone(EVENTS), format, compression, SEED);
      const second = encodeEvents(structuredClone(EVENTS), format, compression, SEED);

      expect(second.body.equals(first.body)).toBe(true);
      expect(second).toEqual(first);
    });

    it('gives a different Avro sync marker, and so a different file, for another seed', () => {
      const other = encodeEvents(EVENTS, 'avro', 'none', 'tracking.events.v1+3+200-299').body;

      expect(other.equals(encodeEvents(EVENTS, 'avro', 'none', SEED).body)).toBe(false);
    });

    it('writes a readable empty object for no events', async () => {
      expect(encodeEvents([], 'jsonl', 'none', SEED).body.length).toBe(0);
      expect(encodeEvents([], 'csv', 'none', SEED).body.toString('utf8')).toBe(`${FIELD_NAMES.join(',')}\r\n`);
      expect(await parquetReadObjects({ file: arrayBufferOf(encodeEvents([], 'parquet', 'none', SEED).body) })).toEqual([]);
      expect((await readAvroContainer(encodeEvents([], 'avro', 'none', SEED).body)).records).toEqual([]);
    });

    it.each(['jsonl', 'parquet'] as const)('%s refuses event_data that is not JSON, naming the event', (format) => {
      const broken = { ...spaPageView, event_data: '{"unterminated":' };

      expect(() => encodeEvents([broken], format, 'none', SEED)).toThrow(ExportEncodeError);
      expect(() => encodeEvents([broken], format, 'none', SEED)).toThrow(`event ${spaPageView.event_id}: event_data is not valid JSON`);
    });
  });

  describe('a column subset (s3_export.fields)', () => {
    const FIELDS = ['event_id', 'event_type', 'occurred_at', 'event_data', 'security_score'];
    const columns = selectColumns(FIELDS);
    const subset = (event: TrackingEvent): Record<string, unknown> => Object.fromEntries(FIELDS.map((name) => [name, event[name as keyof TrackingEvent]]));

    it('every column is the default: the same bytes as without a subset', () => {
      for (const format of EXPORT_FORMATS) {
        expect(encodeEvents(EVENTS, format, 'none', SEED, selectColumns(undefined)).body).toEqual(encodeEvents(EVENTS, format, 'none', SEED).body);
      }
    });

    it('writes exactly those columns, in the schema order, in every format', async () => {
      const jsonl = encodeEvents(EVENTS, 'jsonl', 'none', SEED, columns).body.toString('utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(jsonl.map((row) => Object.keys(row))).toEqual(EVENTS.map(() => FIELDS));
      expect(jsonl[0]).toEqual({ ...subset(spaPageView), occurred_at: iso(spaPageView.occurred_at), event_data: JSON.parse(spaPageView.event_data) });

      const [header, ...records] = parseCsv(encodeEvents(EVENTS, 'csv', 'none', SEED, columns).body.toString('utf8'), { record_delimiter: '\r\n' }) as string[][];
      expect(header).toEqual(FIELDS);
      expect(records[1]).toEqual([bulkItemInteraction.event_id, 'item_interaction', iso(bulkItemInteraction.occurred_at), bulkItemInteraction.event_data, '']);

      const parquet = encodeEvents(EVENTS, 'parquet', 'none', SEED, columns).body;
      expect(parquetMetadata(arrayBufferOf(parquet)).schema.slice(1).map((element) => element.name)).toEqual(FIELDS);
      const rows = await parquetReadObjects({ file: arrayBufferOf(parquet) });
      expect(rows[2]).toEqual({ ...subset(suspiciousBrowserEvent), occurred_at: new Date(suspiciousBrowserEvent.occurred_at), event_data: {} });

      const avroFile = await readAvroContainer(encodeEvents(EVENTS, 'avro', 'none', SEED, columns).body);
      const writerSchema = JSON.parse(avroFile.meta['avro.schema'].toString('utf8')) as { name: string; fields: Array<{ name: string }> };
      expect(writerSchema.fields.map((field) => field.name)).toEqual(FIELDS);
      expect(writerSchema.name).toBe((JSON.parse(readAvroSchema(TRACKING_EVENT_SCHEMA_FILE).text) as { name: string }).name);
      expect(avroFile.records).toEqual(EVENTS.map(subset));
    });

    it('gives the same bytes on every write', () => {
      for (const format of EXPORT_FORMATS) {
        expect(encodeEvents(EVENTS, format, 'none', SEED, columns).body).toEqual(encodeEvents(EVENTS, format, 'none', SEED, selectColumns([...FIELDS].reverse())).body);
      }
    });
  });
});
