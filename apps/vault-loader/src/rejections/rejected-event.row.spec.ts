import { hashKey, tenantHashKey, type RejectedEvent } from '@tracking/contracts';
import { rejectedEventRow } from './rejected-event.row';

const record = (payload: string, truncated = false): RejectedEvent => ({
  rejection_id: '6f1c1e4e-2f7a-4a53-9d0e-1b9b8f0f5a11',
  customer_id: 'acme',
  received_at: Date.parse('2026-12-07T10:00:00Z'),
  source: 'bulk',
  batch_id: 'b1',
  event_index: 3,
  errors: [{ field: 'events[3].page_url', reason: 'must be an absolute http(s) URL' }],
  payload,
  payload_truncated: truncated,
  ip_block: '203.0.113.0/24',
  key_id: 'k1',
});
const position = { topic: 'tracking.events.rejected.v1', partition: 2, offset: '41', schemaId: 7 };

describe(rejectedEventRow.name, () => {
  it('keys the row by tenant and rejection id, dated by received_at, with the subjects the payload names', () => {
    const row = rejectedEventRow(record('{"event_type":"page_view","visitor_id":"v-1","user_id":"u-1","session_id":"s-1","event_id":"ev-1"}'), position);
    expect(row).toMatchObject({
      tenant_hk: tenantHashKey('acme'),
      rejection_id: '6f1c1e4e-2f7a-4a53-9d0e-1b9b8f0f5a11',
      load_date: new Date('2026-12-07T10:00:00Z'),
      record_source: 'tracking.events.rejected.v1/2',
      kafka_offset: '41',
      schema_id: 7,
      event_id: 'ev-1',
      errors: '[{"field":"events[3].page_url","reason":"must be an absolute http(s) URL"}]',
    });
    expect(row.visitor_hk).toEqual(hashKey('acme', 'v-1'));
    expect(row.user_hk).toEqual(hashKey('acme', 'u-1'));
    expect(row.session_hk).toEqual(hashKey('acme', 's-1'));
  });

  it('derives the same row from the same record (a replay inserts nothing new)', () => {
    expect(rejectedEventRow(record('{"visitor_id":"v"}'), position)).toEqual(rejectedEventRow(record('{"visitor_id":"v"}'), position));
  });

  it('keeps a payload that is not a JSON object, or cut, as text, with no subjects and no event id', () => {
    for (const payload of ['{"visitor_id":"v-1","blob":"aaa', '[1,2]', 'null', '"text"']) {
      const row = rejectedEventRow(record(payload, true), position);
      expect(row).toMatchObject({ payload, visitor_hk: null, user_hk: null, session_hk: null, event_id: null });
    }
  });

  it('ignores ids that are not strings, and an event id a client may not send', () => {
    const row = rejectedEventRow(record('{"visitor_id":42,"user_id":"  ","event_id":"has space"}'), position);
    expect(row).toMatchObject({ visitor_hk: null, user_hk: null, event_id: null });
  });
});
