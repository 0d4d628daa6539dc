import type { TrackingEvent } from '@tracking/contracts';
import { EVENT_COLUMNS, selectColumns } from './event-columns';
import { encodeJsonLines, jsonRecord } from './json-lines.encoder';

/** A valid event whose fields the cases below vary. */
function event(overrides: Partial<Record<keyof TrackingEvent, unknown>>): TrackingEvent {
  const base = Object.fromEntries(EVENT_COLUMNS.map((column) => [column.name, null])) as Record<string, unknown>;
  return { ...base, event_id: 'evt_1', customer_id: 'shop', event_type: 'page_view', occurred_at: 0, received_at: 0, event_data: '{}', ...overrides } as unknown as TrackingEvent;
}

/** What the encoder wrote before it built its lines itself: each record through JSON.stringify. */
function viaRecords(events: readonly TrackingEvent[], columns = EVENT_COLUMNS): string {
  return events.map((each) => `${JSON.stringify(jsonRecord(each, columns))}\n`).join('');
}

describe('encodeJsonLines', () => {
  it('writes each line as JSON.stringify writes the record, for awkward values too', () => {
    const events = [
      event({ event_name: 'a"b\\c\n\u2028 \ud800 Körper 💆', security_score: Number.NaN, suspicious: true, event_data: '{"b":1.0,"b":2,"1":[1,{"x":null}]}' }),
      event({ security_score: -0, sent_at: 1, event_data: '"text"', site_id: 'shop.example' }),
      event({ security_score: 1e21, event_name: undefined, referrer: undefined }),
      event({ security_score: Number.POSITIVE_INFINITY, event_data: '{ "u": "\\u00e9" }' }),
    ];
    for (const columns of [EVENT_COLUMNS, selectColumns(['event_name', 'occurred_at', 'event_data']), selectColumns(['referrer']), selectColumns([])]) {
      expect(encodeJsonLines(events, columns).toString('utf8')).toBe(viaRecords(events, columns));
    }
  });

  it('writes timestamps as Date#toISOString does, across hours, days and years', () => {
    const edges = [0, 1, 999, 1000, 59_999, 60_000, 3_599_999, 3_600_000, 86_399_999, Date.UTC(2024, 1, 29, 23, 59, 59, 999), 253_402_300_799_999];
    const seeded = Array.from({ length: 2000 }, (_, index) => Math.floor(((index * 2_654_435_761) % 4_294_967_296) / 4_294_967_296 * 253_402_300_800_000));
    // Alternating far-apart times, as occurred_at and received_at of a late record are.
    const times = [...edges, ...seeded, ...seeded.map((time) => time + 1_234)];
    const events = times.map((time, index) => event({ occurred_at: time, received_at: times[times.length - 1 - index] }));
    const lines = encodeJsonLines(events, selectColumns(['occurred_at', 'received_at'])).toString('utf8').split('\n');
    times.forEach((time, index) => {
      expect(lines[index]).toBe(`{"occurred_at":"${new Date(time).toISOString()}","received_at":"${new Date(times[times.length - 1 - index]).toISOString()}"}`);
    });
  });

  it('refuses a time that is not one, as before', () => {
    for (const occurred_at of [Number.NaN, 9e15, '2024-01-01']) expect(() => encodeJsonLines([event({ occurred_at })])).toThrow(/occurred_at is not a timestamp/);
  });

  it('writes times before 1970 and after 9999 as toISOString does', () => {
    for (const time of [-1, -62_198_755_200_000, 253_402_300_800_000, 1.5]) {
      expect(encodeJsonLines([event({ occurred_at: time })], selectColumns(['occurred_at'])).toString('utf8')).toBe(`{"occurred_at":"${new Date(time).toISOString()}"}\n`);
    }
  });
});
