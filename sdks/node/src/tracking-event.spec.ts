import { prepareEvent } from './tracking-event';
import { SDK_NAME, SDK_VERSION } from './version';

describe(prepareEvent.name, () => {
  const now = Date.parse('2026-03-01T10:00:00Z');

  it('fixes a UUIDv4 event id and the enqueue time, and leaves sent_at to each attempt', () => {
    const sut = prepareEvent({ event_type: 'signup', event_data: { plan: 'pro' } }, now);
    expect(sut.body).toEqual({ event_type: 'signup', event_data: { plan: 'pro' }, event_id: expect.stringMatching(/^[0-9a-f-]{36}$/), occurred_at: '2026-03-01T10:00:00.000Z', library_name: SDK_NAME, library_version: SDK_VERSION });
    expect(sut.stampSentAt).toBe(true);
    expect(sut.bytes).toBeGreaterThan(JSON.stringify(sut.body).length);
  });

  it("keeps the caller's id and times, turning Dates into RFC 3339", () => {
    const sut = prepareEvent({ event_type: 'a', event_id: 'evt-1', occurred_at: new Date(now - 1000), sent_at: '2026-03-01T10:00:00Z' }, now);
    expect(sut.body).toMatchObject({ event_id: 'evt-1', occurred_at: '2026-03-01T09:59:59.000Z', sent_at: '2026-03-01T10:00:00Z' });
    expect(sut.stampSentAt).toBe(false);
  });

  it('throws for an event that could never be sent', () => {
    expect(() => prepareEvent({ event_type: '' }, now)).toThrow(/event_type/);
    expect(() => prepareEvent({ event_type: 'a', event_data: { n: BigInt(1) } }, now)).toThrow(/JSON-serialisable/);
  });
});
