import type * as avro from 'avsc';
import { readAvroSchema } from './schema-files';
import { TRACKING_EVENT_SCHEMA_FILE, type TrackingEvent } from './tracking-event';
import { eventMessageKey } from './message-key';
import { trackingEventHeaders } from './cloud-events';

/** Every field set, so the compiler proves the sample is a complete TrackingEvent. */
const sample: TrackingEvent = {
  event_id: 'evt_1',
  customer_id: 'one_spa',
  event_type: 'page_view',
  event_name: 'Massage therapy',
  page_url: 'https://onespa.com/services',
  referrer: 'https://google.com/',
  occurred_at: Date.parse('2024-12-28T10:30:00Z'),
  received_at: Date.parse('2024-12-28T10:30:01Z'),
  sent_at: null,
  session_id: 'sess_1',
  visitor_id: null,
  user_id: null,
  location_id: 'spa_downtown_location',
  consent_state: 'granted',
  ip_address: '203.0.113.0/24',
  user_agent: 'Mozilla/5.0',
  event_data: '{"page_category":"services"}',
  utm_source: 'google',
  utm_medium: null,
  utm_campaign: null,
  utm_term: null,
  utm_content: null,
  batch_id: null,
  source: 'api',
  referrer_domain: 'google.com',
  security_score: 100,
  suspicious: false,
  key_id: 'dev',
  library_name: '@tracking-platform/node',
  library_version: '1.0.0',
  site_id: null,
};

describe('TrackingEvent', () => {
  const schema = readAvroSchema(TRACKING_EVENT_SCHEMA_FILE);
  const fields = (schema.type as avro.types.RecordType).fields;

  it('has exactly the fields of the Avro schema', () => {
    expect(Object.keys(sample).sort()).toEqual(fields.map((field) => field.name).sort());
  });

  it('round-trips through the Avro schema unchanged', () => {
    expect(schema.type.fromBuffer(schema.type.toBuffer(sample))).toEqual(sample);
  });

  it('gives every optional field a default, so later versions stay BACKWARD compatible', () => {
    const raw = JSON.parse(schema.text) as { fields: Array<{ name: string; type: unknown; default?: unknown }> };
    const optional = raw.fields.filter((field) => Array.isArray(field.type));
    expect(optional.length).toBeGreaterThan(10);
    for (const field of optional) expect(field).toHaveProperty('default', null);
  });

  it('evolves BACKWARD: fields added after the first registered version all have defaults', () => {
    const raw = JSON.parse(schema.text) as { fields: Array<{ name: string; default?: unknown }> };
    const firstVersionEnd = raw.fields.findIndex((field) => field.name === 'source');
    for (const field of raw.fields.slice(firstVersionEnd + 1)) expect(field).toHaveProperty('default');
  });

  it('keys a session to one partition, falling back to visitor then event id', () => {
    expect(eventMessageKey(sample)).toBe('one_spa:sess_1');
    expect(eventMessageKey({ ...sample, session_id: null, visitor_id: 'v1' })).toBe('one_spa:v1');
    expect(eventMessageKey({ ...sample, session_id: null })).toBe('one_spa:evt_1');
  });

  it('carries CloudEvents binary-mode headers', () => {
    expect(trackingEventHeaders(sample)).toEqual({
      ce_specversion: '1.0',
      ce_id: 'evt_1',
      ce_type: 'io.trackingplatform.event.page_view',
      ce_source: '/customers/one_spa',
      ce_time: '2024-12-28T10:30:00.000Z',
      'content-type': 'application/avro',
    });
  });
});
