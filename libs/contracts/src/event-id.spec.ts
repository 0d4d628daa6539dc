import { CLIENT_EVENT_ID_PATTERN, deterministicEventId, type EventIdentity } from './event-id';

const identity: EventIdentity = {
  customerId: 'one_spa',
  sessionId: 'sess_1',
  eventType: 'page_view',
  eventName: null,
  occurredAt: Date.parse('2024-12-28T10:30:00Z'),
  pageUrl: 'https://onespa.com/',
};

describe(deterministicEventId.name, () => {
  it('gives the same id for the same event, so retries deduplicate', () => {
    expect(deterministicEventId({ ...identity })).toBe(deterministicEventId(identity));
    expect(deterministicEventId(identity)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, Partial<EventIdentity>]>([
    ['customer', { customerId: 'retail_chain' }],
    ['session', { sessionId: 'sess_2' }],
    ['event type', { eventType: 'search' }],
    ['name', { eventName: 'Home' }],
    ['time', { occurredAt: identity.occurredAt + 1 }],
    ['URL', { pageUrl: 'https://onespa.com/book' }],
  ])('changes with the %s', (_, change) => {
    expect(deterministicEventId({ ...identity, ...change })).not.toBe(deterministicEventId(identity));
  });

  it('cannot be collided by moving a delimiter between fields', () => {
    const a = deterministicEventId({ ...identity, sessionId: 'a|b', eventType: 'c' });
    const b = deterministicEventId({ ...identity, sessionId: 'a', eventType: 'b|c' });
    expect(a).not.toBe(b);
  });
});

describe('CLIENT_EVENT_ID_PATTERN', () => {
  it('accepts UUIDs and SDK ids, refuses separators and control characters', () => {
    expect(CLIENT_EVENT_ID_PATTERN.test('0b7c6f5e-4c8e-4d1e-9a57-2b0f3e1a9c11')).toBe(true);
    expect(CLIENT_EVENT_ID_PATTERN.test('evt_123:abc.def')).toBe(true);
    expect(CLIENT_EVENT_ID_PATTERN.test('a/b')).toBe(false);
    expect(CLIENT_EVENT_ID_PATTERN.test('a\nb')).toBe(false);
    expect(CLIENT_EVENT_ID_PATTERN.test('x'.repeat(129))).toBe(false);
  });
});
