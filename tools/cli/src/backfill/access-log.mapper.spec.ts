import { AccessLogMapper } from './access-log.mapper';
import type { AccessLogEntry } from './combined-log.parser';
import { Sessionizer } from './sessionizer';

const T0 = Date.parse('2024-03-10T08:00:00Z');

function entry(overrides: Partial<AccessLogEntry> & { target?: string; method?: string } = {}): AccessLogEntry {
  const { target = '/pricing', method = 'GET', ...rest } = overrides;
  return {
    remoteHost: '203.0.113.7',
    time: T0,
    request: { method, target, protocol: 'HTTP/1.1' },
    status: 200,
    bytes: 100,
    referrer: null,
    userAgent: 'Mozilla/5.0',
    ...rest,
  };
}

function setup() {
  const sut = new AccessLogMapper('https://www.example.com', new Sessionizer((visitor, startedAt) => `s:${visitor}:${startedAt}`));
  return { sut };
}

describe(AccessLogMapper.name, () => {
  it('makes a page view of the site URL, the time, the visitor and the referrer, with the raw address as a request fact', () => {
    const { sut } = setup();
    expect(sut.map(entry({ target: '/a?token=secret', referrer: 'https://www.google.com/' }))).toEqual({
      kind: 'event',
      event: {
        body: {
          event_type: 'page_view',
          page_url: 'https://www.example.com/a?token=secret',
          occurred_at: '2024-03-10T08:00:00.000Z',
          session_id: `s:${JSON.stringify(['203.0.113.7', 'Mozilla/5.0'])}:${T0}`,
          consent_state: 'pending',
          referrer: 'https://www.google.com/',
        },
        clientIp: '203.0.113.7',
        userAgent: 'Mozilla/5.0',
        identity: ['access-log', 'https://www.example.com', '203.0.113.7', T0, 'GET', '/a?token=secret', 200, 'https://www.google.com/', 'Mozilla/5.0'],
      },
    });
  });

  it('derives the event identity from the line alone, not from the session earlier lines put it in', () => {
    const alone = setup().sut.map(entry({ time: T0 + 60_000 }));
    const { sut } = setup();
    sut.map(entry());
    const afterAnother = sut.map(entry({ time: T0 + 60_000 }));
    if (alone.kind !== 'event' || afterAnother.kind !== 'event') throw new Error('expected page views');
    expect(afterAnother.event.body).not.toEqual(alone.event.body);
    expect(afterAnother.event.identity).toEqual(alone.event.identity);
  });

  it.each([
    ['/css/site.css'], ['/js/app.js?v=3'], ['/img/LOGO.PNG'], ['/favicon.ico'], ['/fonts/inter.woff2'], ['/robots.txt'],
  ])('skips the asset %s', (target) => {
    expect(setup().sut.map(entry({ target }))).toEqual({ kind: 'skip', reason: 'asset' });
  });

  it.each([['/'], ['/pricing'], ['/index.html'], ['/users/jane.doe'], ['/search?q=a.css']])('keeps the page %s', (target) => {
    expect(setup().sut.map(entry({ target })).kind).toBe('event');
  });

  it('keeps 2xx and 3xx answers only, and GETs only', () => {
    const { sut } = setup();
    expect(sut.map(entry({ status: 301 })).kind).toBe('event');
    expect(sut.map(entry({ status: 304 })).kind).toBe('event');
    expect(sut.map(entry({ status: 404 }))).toEqual({ kind: 'skip', reason: 'unsuccessful_status' });
    expect(sut.map(entry({ status: 500 }))).toEqual({ kind: 'skip', reason: 'unsuccessful_status' });
    expect(sut.map(entry({ method: 'POST' }))).toEqual({ kind: 'skip', reason: 'not_get' });
    expect(sut.map(entry({ request: null }))).toEqual({ kind: 'skip', reason: 'not_a_page_request' });
  });

  it('keeps every target a path of the site', () => {
    const { sut } = setup();
    const pageUrl = (target: string) => {
      const mapped = sut.map(entry({ target }));
      return mapped.kind === 'event' ? (mapped.event.body as { page_url: string }).page_url : mapped.reason;
    };
    expect(pageUrl('//evil.example/x')).toBe('https://www.example.com//evil.example/x');
    expect(pageUrl('http://proxy.example/p?q=1')).toBe('https://www.example.com/p?q=1');
    expect(pageUrl('*')).toBe('not_a_page_request');
  });

  it('leaves out a referrer no browser would send', () => {
    const mapped = setup().sut.map(entry({ referrer: 'android-app://com.example' }));
    expect(mapped.kind === 'event' && mapped.event.body).not.toHaveProperty('referrer');
  });
});
