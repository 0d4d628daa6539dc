import { gunzipSync } from 'node:zlib';
import { TRACKING_EVENT_SCHEMA_FILE, readAvroSchema, type TrackingEvent } from '@tracking/contracts';
import { encodeAvroContainer } from '../formats/avro-container.encoder';
import { decodeEvents, formatOfKey } from '../formats/decode-events';
import { EVENT_COLUMN_NAMES, encodeEvents, selectColumns, type ExportCompression, type ExportFormat } from '../formats';
import { ObjectRewriteError, rewriteObject } from './object-rewrite';

const STEM = 'tracking.events.v1+3+0000000100-0000000199';

function event(index: number, overrides: Partial<TrackingEvent>): TrackingEvent {
  return {
    event_id: `evt_${index}`,
    customer_id: 'one_spa',
    event_type: 'page_view',
    event_name: index % 2 === 0 ? '=HYPERLINK("https://evil.example","x")' : 'Massage – Körper 💆',
    page_url: `https://onespa.com/p/${index}?a=1,b=2`,
    referrer: null,
    occurred_at: Date.parse('2026-12-07T10:30:00.123Z') + index,
    received_at: Date.parse('2026-12-07T10:30:01.456Z') + index,
    sent_at: index % 3 === 0 ? null : Date.parse('2026-12-07T10:30:00.400Z'),
    session_id: `sess_${index}`,
    visitor_id: 'vis_other',
    user_id: null,
    location_id: null,
    consent_state: 'granted',
    ip_address: '203.0.113.0/24',
    user_agent: 'Mozilla/5.0 "quoted"\nline',
    event_data: JSON.stringify({ note: `Ünïcødé ${index}`, nested: { price: 12.5, tags: ['a', 'b'] }, empty: null }),
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    utm_term: '+1 deals',
    utm_content: null,
    batch_id: null,
    source: 'browser',
    referrer_domain: null,
    security_score: index % 2 === 0 ? 35.5 : null,
    suspicious: index % 2 === 0,
    key_id: null,
    library_name: null,
    library_version: null,
    site_id: null,
    ...overrides,
  };
}

const EVENTS: TrackingEvent[] = [
  event(0, { visitor_id: 'vis_erased', event_data: JSON.stringify({ email: 'erased@example.com' }) }),
  event(1, {}),
  event(2, { user_id: 'user_erased', visitor_id: 'vis_linked' }),
  event(3, { visitor_id: null, user_id: 'user_kept' }),
  event(4, {}),
];
const erased = (candidate: TrackingEvent): boolean => candidate.visitor_id === 'vis_erased' || candidate.user_id === 'user_erased';

const CASES: Array<[ExportFormat, ExportCompression]> = [
  ['jsonl', 'none'],
  ['jsonl', 'gzip'],
  ['csv', 'none'],
  ['csv', 'gzip'],
  ['parquet', 'none'],
  ['avro', 'none'],
];

describe(rewriteObject.name, () => {
  describe.each(CASES)('%s (%s)', (format, compression) => {
    const encoded = encodeEvents(EVENTS, format, compression, STEM);
    const key = `tracking/events/customer=one_spa/dt=2026-12-07/hour=10/${STEM}.${encoded.extension}`;

    it('reads its own objects back to events that write the same bytes', async () => {
      const { events: decoded } = await decodeEvents(encoded.body, format, compression);

      expect(decoded.map((each) => each.event_id)).toEqual(EVENTS.map((each) => each.event_id));
      expect(encodeEvents(decoded, format, compression, STEM).body.equals(encoded.body)).toBe(true);
      if (format !== 'csv') expect(decoded).toEqual(EVENTS);
    });

    it("removes the erased subjects' events and writes exactly what a run that knew the erasure writes", async () => {
      const sut = await rewriteObject(key, encoded.body, erased);

      expect(sut.kind).toBe('rewritten');
      if (sut.kind !== 'rewritten') return;
      expect(sut.removed.map((each) => each.event_id)).toEqual(['evt_0', 'evt_2']);
      expect(sut.kept.map((each) => each.event_id)).toEqual(['evt_1', 'evt_3', 'evt_4']);
      expect(sut.body.equals(encodeEvents(EVENTS.filter((each) => !erased(each)), format, compression, STEM).body)).toBe(true);
      // Parquet and Avro compress inside: their text is searched decoded; the text formats byte for byte.
      const plain = compression === 'gzip' ? gunzipSync(sut.body) : format === 'parquet' || format === 'avro' ? Buffer.from(JSON.stringify((await decodeEvents(sut.body, format, compression)).events)) : sut.body;
      for (const needle of ['vis_erased', 'user_erased', 'erased@example.com', 'evt_0']) expect(plain.includes(needle)).toBe(false);
    });

    it('changes nothing the second time', async () => {
      const once = await rewriteObject(key, encoded.body, erased);
      if (once.kind !== 'rewritten') throw new Error('expected a rewrite');

      expect((await rewriteObject(key, once.body, erased)).kind).toBe('unchanged');
    });

    it('writes an object whose every event is erased as the empty object of its format', async () => {
      const sut = await rewriteObject(key, encoded.body, () => true);

      if (sut.kind !== 'rewritten') throw new Error('expected a rewrite');
      expect(sut.kept).toEqual([]);
      expect(sut.body.equals(encodeEvents([], format, compression, STEM).body)).toBe(true);
      expect((await decodeEvents(sut.body, format, compression)).events).toEqual([]);
    });
  });

  describe.each(CASES)('%s (%s) with a column subset (s3_export.fields)', (format, compression) => {
    const columns = selectColumns(['event_id', 'visitor_id', 'occurred_at', 'event_data']);
    const encoded = encodeEvents(EVENTS, format, compression, STEM, columns);
    const key = `p/customer=one_spa/site=shop/dt=2026-12-07/hour=10/${STEM}.${encoded.extension}`;

    it('writes the kept events with the columns the object has', async () => {
      const sut = await rewriteObject(key, encoded.body, erased);

      if (sut.kind !== 'rewritten') throw new Error('expected a rewrite');
      expect(sut.kept.map((each) => each.event_id)).toEqual(['evt_1', 'evt_2', 'evt_3', 'evt_4']);
      expect(sut.body.equals(encodeEvents(sut.kept, format, compression, STEM, columns).body)).toBe(true);
    });

    it('cannot tell whose records an object without visitor_id and user_id holds, and says so', async () => {
      const anonymous = encodeEvents(EVENTS, format, compression, STEM, selectColumns(['event_id', 'event_data']));
      const sut = await rewriteObject(key, anonymous.body, erased);

      expect(sut).toMatchObject({ kind: 'unchanged', matchable: false });
    });
  });

  it('writes an Avro file again with the schema in its own header (one written before a schema change)', async () => {
    const full = JSON.parse(readAvroSchema(TRACKING_EVENT_SCHEMA_FILE).text) as { fields: Array<{ name: string }> };
    // The tracking-event schema as it was before site_id, written out in another layout: rewriting must keep those bytes.
    const before = JSON.stringify({ ...full, fields: full.fields.filter((field) => field.name !== 'site_id') }, null, 2);
    const columns = selectColumns(EVENT_COLUMN_NAMES.filter((name) => name !== 'site_id'));
    const body = encodeAvroContainer(EVENTS, STEM, columns, before);
    const sut = await rewriteObject(`p/customer=one_spa/dt=2026-12-07/hour=10/${STEM}.avro`, body, erased);

    if (sut.kind !== 'rewritten') throw new Error('expected a rewrite');
    expect(sut.body.equals(encodeAvroContainer(sut.kept, STEM, columns, before))).toBe(true);
  });

  it('refuses an object that does not read back to its own bytes', async () => {
    const foreign = Buffer.from(`${JSON.stringify({ event_id: 'x', visitor_id: 'vis_erased', occurred_at: '2026-12-07T10:30:00Z' })}\n`);

    await expect(rewriteObject(`p/${STEM}.jsonl`, foreign, erased)).rejects.toBeInstanceOf(ObjectRewriteError);
  });

  it('knows the formats by their extensions', () => {
    expect(formatOfKey('a/b.jsonl.gz')).toEqual({ format: 'jsonl', compression: 'gzip', extension: 'jsonl.gz' });
    expect(formatOfKey('a/b.parquet')).toEqual({ format: 'parquet', compression: 'none', extension: 'parquet' });
    expect(formatOfKey('a/b.parquet.gz')).toBeUndefined();
    expect(formatOfKey('a/b.ids')).toBeUndefined();
  });
});
