import { customerSource, HEADERS } from '@tracking/contracts';
import { matchesFilters } from './live-event-view';
import { recordCustomer } from './live-events.reader';
import { LiveStreams, type LiveSubscriber } from './live-streams';

function subscriber(customerId: string, takes = true): LiveSubscriber<string> & { got: string[]; closed: string[] } {
  const got: string[] = [];
  const closed: string[] = [];
  return { customerId, got, closed, deliver: (event) => (takes ? (got.push(event), true) : false), close: (reason) => closed.push(reason) };
}

describe('LiveStreams', () => {
  const counters = () => ({ opened: jest.fn(), closed: jest.fn(), dropped: jest.fn() });

  it("hands a customer's event to its streams only", () => {
    const streams = new LiveStreams<string>({ perCustomer: 5, perInstance: 10 }, counters());
    const [a1, a2, b] = [subscriber('a'), subscriber('a'), subscriber('b')];
    for (const s of [a1, a2, b]) expect(streams.open(s)).toBeUndefined();
    expect(streams.publish('a', 'e1')).toBe(2);
    expect([a1.got, a2.got, b.got]).toEqual([['e1'], ['e1'], []]);
    expect(streams.wants('c')).toBe(false);
  });

  it('refuses past the per-customer and per-instance caps, and frees a slot on close', () => {
    const streams = new LiveStreams<string>({ perCustomer: 2, perInstance: 3 }, counters());
    const [a1, a2] = [subscriber('a'), subscriber('a')];
    streams.open(a1);
    streams.open(a2);
    expect(streams.open(subscriber('a'))).toEqual({ refused: 'customer', limit: 2 });
    streams.open(subscriber('b'));
    expect(streams.open(subscriber('c'))).toEqual({ refused: 'instance', limit: 3 });
    streams.remove(a1);
    expect(streams.open(subscriber('a'))).toBeUndefined();
    streams.remove(a2);
    streams.remove(a2);
    expect(streams.size).toBe(2);
  });

  it('counts an event a congested stream cannot take as dropped, never buffers it', () => {
    const counted = counters();
    const streams = new LiveStreams<string>({ perCustomer: 5, perInstance: 10 }, counted);
    const slow = subscriber('a', false);
    streams.open(slow);
    expect(streams.publish('a', 'e1')).toBe(0);
    expect(counted.dropped).toHaveBeenCalledWith('a');
  });

  it('closes every stream with the reason', () => {
    const streams = new LiveStreams<string>({ perCustomer: 5, perInstance: 10 }, counters());
    const [a, b] = [subscriber('a'), subscriber('b')];
    streams.open(a);
    streams.open(b);
    streams.closeAll('shutting down');
    expect([a.closed, b.closed]).toEqual([['shutting down'], ['shutting down']]);
  });
});

describe('recordCustomer', () => {
  it('reads the customer from ce_source, else from the key, never from the value', () => {
    expect(recordCustomer({ headers: { [HEADERS.source]: Buffer.from(customerSource('acme')) }, key: Buffer.from('other:s1') })).toBe('acme');
    expect(recordCustomer({ headers: {}, key: Buffer.from('acme:s1') })).toBe('acme');
    expect(recordCustomer({ headers: {}, key: Buffer.from('nocolon') })).toBeUndefined();
    expect(recordCustomer({ headers: {}, key: null })).toBeUndefined();
  });
});

describe('matchesFilters', () => {
  it('keeps an exact type and a URL containing the text, case-insensitive', () => {
    const event = { event_type: 'page_view', page_url: 'https://shop.example/Landing/spring' };
    expect(matchesFilters(event, {})).toBe(true);
    expect(matchesFilters(event, { type: 'page_view', url: '/landing/' })).toBe(true);
    expect(matchesFilters(event, { type: 'custom_event' })).toBe(false);
    expect(matchesFilters(event, { url: '/pricing' })).toBe(false);
    expect(matchesFilters({ event_type: 'x', page_url: null }, { url: 'a' })).toBe(false);
  });
});
