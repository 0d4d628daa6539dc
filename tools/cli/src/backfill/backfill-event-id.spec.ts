import { canonicalJson, withBackfillEventId } from './backfill-event-id';

const KEY = Buffer.from('backfill-spec-hash-key-0123456789abcdef');
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function idOf(body: unknown, customer = 'acme', key = KEY): unknown {
  return (withBackfillEventId(body, customer, key) as { event_id?: unknown }).event_id;
}

describe(withBackfillEventId.name, () => {
  const body = { event_type: 'page_view', page_url: 'https://a.example/', occurred_at: '2024-11-02T10:00:00Z', event_data: { b: 1, a: [2, { d: 3, c: 4 }] } };

  it('derives a UUID-shaped (version 8) id that depends on the content only, not on key order', () => {
    expect(idOf(body)).toMatch(UUID_V8);
    const reordered = { event_data: { a: [2, { c: 4, d: 3 }], b: 1 }, occurred_at: body.occurred_at, page_url: body.page_url, event_type: body.event_type };
    expect(idOf(reordered)).toBe(idOf(body));
  });

  it('differs for other content, another customer or another key', () => {
    expect(idOf({ ...body, event_data: { b: 2 } })).not.toBe(idOf(body));
    expect(idOf(body, 'other')).not.toBe(idOf(body));
    expect(idOf(body, 'acme', Buffer.from('another-hash-key-0123456789abcdef0123'))).not.toBe(idOf(body));
  });

  it('keeps an event id the record brings, as the gateway does', () => {
    expect(idOf({ ...body, event_id: 'crm-42' })).toBe('crm-42');
  });

  it('leaves what is not an object for the validator to refuse', () => {
    expect(withBackfillEventId([1], 'acme', KEY)).toEqual([1]);
  });
});

describe(canonicalJson.name, () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(JSON.stringify(canonicalJson({ b: 1, a: { d: [3, 1], c: null } }))).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });
});
