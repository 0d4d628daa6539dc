import type { SendOutcome } from './backoff';
import { Tracker } from './tracker';
import type { Transport } from './transport';
import type { WireEvent } from './types';

/** Just enough of a browser for the tracker: two trackers on one fake stand for two tabs of a site. */
function installBrowser() {
  const items = new Map<string, string>();
  const win = Object.assign(new EventTarget(), {
    localStorage: {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
    },
  });
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible', title: 'Shop', referrer: '', cookie: '' });
  const globals: Record<string, unknown> = {
    window: win,
    document: doc,
    location: { href: 'https://shop.example/?utm_source=news&coupon=SAVE10', protocol: 'https:' },
    history: { pushState: () => undefined, replaceState: () => undefined },
    navigator: {},
  };
  for (const [name, value] of Object.entries(globals)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  return { items, doc };
}

function fakeTransport(beaconAccepts = () => true) {
  const sent: WireEvent[][] = [];
  const beacons: WireEvent[][] = [];
  const transport: Transport = {
    send: async (events): Promise<SendOutcome> => (sent.push(events), { kind: 'delivered' }),
    beacon: (body) => {
      if (!beaconAccepts()) return false;
      beacons.push((JSON.parse(body) as { events: WireEvent[] }).events);
      return true;
    },
  };
  return { transport, sent, beacons };
}

const options = { customerId: 'c', publishableKey: 'pk_test', endpoint: 'https://collect.example', storage: 'localStorage' as const };

describe(Tracker.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('honours consent withdrawn in another tab: nothing more is sent and no id comes back', async () => {
    const { items } = installBrowser();
    const first = fakeTransport();
    const tabA = new Tracker({ ...options, autoPageViews: false }, first.transport);
    tabA.setConsent('granted');
    await tabA.flush();
    const tabB = new Tracker({ ...options, autoPageViews: false }, fakeTransport().transport);
    tabB.setConsent('denied');
    tabA.track('after_withdrawal');
    await tabA.flush();
    expect(first.sent.flat().map((event) => event.name ?? event.event_type)).toEqual(['consent_update']);
    expect(items.has('cp_track_id')).toBe(false);
    expect(items.has('cp_session_id')).toBe(false);
  });

  it('stops writing ids when consent goes back to pending', async () => {
    const { items } = installBrowser();
    const tab = new Tracker({ ...options, autoPageViews: false }, fakeTransport().transport);
    tab.setConsent('granted');
    tab.setConsent('pending');
    tab.track('x');
    expect(items.has('cp_track_id')).toBe(false);
    await Promise.resolve();
  });

  it('takes UTM values from the redacted URL', async () => {
    installBrowser();
    const { transport, sent } = fakeTransport();
    const tab = new Tracker({ ...options, redactQueryParameters: ['utm_source'] }, transport);
    tab.setConsent('granted');
    await tab.flush();
    const page = sent.flat().find((event) => event.event_type === 'page_view');
    expect(page?.properties?.['utm_source']).toBeUndefined();
  });

  it('beacons at page hide only what fits one allowance, and keeps the rest and what is refused queued', async () => {
    const { doc } = installBrowser();
    const { transport, sent, beacons } = fakeTransport();
    const tab = new Tracker({ ...options, autoPageViews: false, flushAt: 50 }, transport);
    tab.setConsent('granted');
    for (let index = 0; index < 6; index += 1) tab.track(`big_${index}`, { blob: 'x'.repeat(15_000) });
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    const beaconed = beacons.flat().length;
    expect(beaconed).toBeGreaterThan(0);
    expect(beacons.flat().reduce((bytes, event) => bytes + JSON.stringify(event).length, 0)).toBeLessThanOrEqual(60_000);
    await tab.flush();
    expect(beaconed + sent.flat().length).toBe(7);
  });
});
