import { batchBody, beaconBodies, browserTransport, collectUrl } from './transport';
import type { WireEvent } from './types';

const event = (index: number, padding = 0): WireEvent => ({
  event_id: `e-${index}`,
  event_type: 'custom_event',
  name: 'x'.repeat(padding),
  occurred_at: '2026-12-01T10:00:00.000Z',
});

describe(collectUrl.name, () => {
  it('puts the customer and the publishable key in the query string, where a beacon can carry them', () => {
    expect(collectUrl({ endpoint: 'https://collect.example.com/', customerId: 'retail chain', publishableKey: 'pk_live_a+b' })).toBe(
      'https://collect.example.com/api/v1/tracking/collect?customer_id=retail%20chain&key=pk_live_a%2Bb',
    );
  });
});

describe(beaconBodies.name, () => {
  it('sends everything in one body when it fits', () => {
    const events = [event(1), event(2)];
    expect(beaconBodies(events, 50)).toEqual([batchBody(events)]);
  });

  it('splits by the collector\'s event limit and the browsers\' byte budget, keeping order', () => {
    const events = Array.from({ length: 5 }, (_, index) => event(index, 300));
    const bodies = beaconBodies(events, 2, 1000);
    const ids = bodies.map((body) => (JSON.parse(body) as { events: WireEvent[] }).events.map((e) => e.event_id));
    expect(ids).toEqual([['e-0', 'e-1'], ['e-2', 'e-3'], ['e-4']]);
    expect(beaconBodies(events, 50, 1000)).toHaveLength(3);
  });
});

describe('browserTransport beacon', () => {
  const address = { endpoint: 'https://collect.example.com', customerId: 'c', publishableKey: 'pk_test' };
  const saved = { navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator'), fetch: globalThis.fetch };
  afterEach(() => {
    if (saved.navigator) Object.defineProperty(globalThis, 'navigator', saved.navigator);
    globalThis.fetch = saved.fetch;
  });

  function install(sendBeacon: (() => boolean) | undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { sendBeacon }, configurable: true, writable: true });
    const fetch = jest.fn(() => Promise.reject(new Error('keepalive budget exceeded')));
    globalThis.fetch = fetch as unknown as typeof globalThis.fetch;
    return fetch;
  }

  it('is true when the browser took the beacon', () => {
    install(() => true);
    expect(browserTransport(address).beacon('{}')).toBe(true);
  });

  it('does not claim success for the keepalive fetch fallback, which nobody can confirm', () => {
    const fetch = install(() => false);
    expect(browserTransport(address).beacon('{}')).toBe(false);
    expect(fetch).toHaveBeenCalledTimes(1);
    install(undefined);
    expect(browserTransport(address).beacon('{}')).toBe(false);
  });
});
