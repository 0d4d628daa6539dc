import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { stringify } from 'yaml';
import { TOPICS, type TrackingEvent } from '@tracking/contracts';
import { startGateway, type RunningService } from '@test/support/in-process-services';
import { customersDirectory } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { readTopic, topicPositions, type DecodedRecord, type Positions } from '@test/support/topic-reader';

/**
 * The browser SDK end to end: Debian's Chromium (driven by playwright-core, nothing downloads a
 * browser) loads a page served here, which loads the SDK from the real gateway's /js/tracking.js
 * and reports through a small proxy in front of that gateway to Kafka. The assertions are the
 * records on tracking.events.v1 (and, where it matters what left the page, the proxy's log).
 */

const CHROMIUM = '/usr/bin/chromium';
/** Without the background-networking flags Chromium keeps calling Google's hosts, which this network refuses. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Two of the customer's domains for the cross-domain tests, both served by the page server on loopback.
  '--host-resolver-rules=MAP shop.test 127.0.0.1, MAP book.test 127.0.0.1',
];
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DAY_SECONDS = 24 * 60 * 60;

type TopicEvent = DecodedRecord<TrackingEvent>;

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** Listens on a free loopback port; resolves with the origin. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server | undefined): Promise<void> =>
  new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));

/**
 * The collector as the page sees it: forwards to the gateway and logs every request, except the
 * next `failures` POSTs, answered 503 as the gateway answers when Kafka is away (with its CORS
 * header and Retry-After) without reaching it.
 */
class CollectorProxy {
  readonly requests: SeenRequest[] = [];
  failures = 0;
  private server: Server | undefined;
  url = '';

  constructor(private readonly gatewayUrl: string) {}

  async start(): Promise<void> {
    const target = new URL(this.gatewayUrl);
    this.server = createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const body = Buffer.concat(chunks);
        const seen: SeenRequest = { method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, body: body.toString(), status: 0 };
        this.requests.push(seen);
        if (incoming.method === 'POST' && this.failures > 0) {
          this.failures -= 1;
          seen.status = 503;
          outgoing.writeHead(503, {
            'Content-Type': 'application/json',
            'Access-Control-Allow-Origin': incoming.headers.origin ?? '',
            Vary: 'Origin',
            'Retry-After': '5',
          });
          outgoing.end(JSON.stringify({ success: false, error_code: 'SERVICE_UNAVAILABLE', error: 'Kafka did not acknowledge (test proxy)' }));
          return;
        }
        const forward = httpRequest(
          { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target.host } },
          (answer) => {
            seen.status = answer.statusCode ?? 0;
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forward.on('error', () => outgoing.writeHead(502).end());
        forward.end(body);
      });
    });
    this.url = await listen(this.server);
  }

  collectPosts(): SeenRequest[] {
    return this.requests.filter((request) => request.method === 'POST' && request.url.startsWith('/api/v1/tracking/collect'));
  }

  stop(): Promise<void> {
    return close(this.server);
  }
}

/** Serves test pages, each at a path of its own, from 127.0.0.1: the origin the customer allows. */
class PageServer {
  private readonly pages = new Map<string, string>();
  private server: Server | undefined;
  origin = '';

  async start(): Promise<void> {
    this.server = createServer((incoming, outgoing) => {
      const html = this.pages.get(new URL(incoming.url ?? '/', this.origin).pathname);
      if (html === undefined) return void outgoing.writeHead(404).end();
      outgoing.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      outgoing.end(html);
    });
    this.origin = await listen(this.server);
  }

  /** The page server's origin under another host name (Chromium maps it to loopback). */
  at(host: string): string {
    return this.origin.replace('127.0.0.1', host);
  }

  /** Registers a page; returns its path. */
  add(html: string): string {
    const path = `/shop/${randomUUID()}`;
    this.pages.set(path, html);
    return path;
  }

  stop(): Promise<void> {
    return close(this.server);
  }
}

describe('browser SDK in Chromium', () => {
  const env = testEnvironment();
  const customerId = `it_${randomBytes(5).toString('hex')}`;
  const publishableKey = `pk_test_${randomBytes(10).toString('hex')}`;
  const pages = new PageServer();
  let gateway: RunningService;
  let proxy: CollectorProxy;
  let browser: Browser;
  let context: BrowserContext;

  /**
   * A page embedding the SDK the way the README says: one script tag from the gateway with the
   * customer and publishable key; knobs for the test (shorter intervals) in window.trackingConfig.
   */
  const page = (
    options: { config?: Record<string, unknown>; attributes?: Record<string, string>; async?: boolean; before?: string; head?: string; body?: string; title?: string } = {},
  ): string => {
    const attributes = { 'customer-id': customerId, key: publishableKey, endpoint: proxy.url, ...options.attributes };
    const tag = Object.entries(attributes).map(([name, value]) => `data-${name}="${value}"`).join(' ');
    return pages.add(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${options.title ?? 'Test shop'}</title>
<script>window.trackingConfig = ${JSON.stringify({ flushIntervalMs: 200, retryBaseDelayMs: 200, ...options.config })};</script>
${options.before ?? ''}
<script ${options.async ? 'async ' : ''}src="${gateway.url}/js/tracking.js" ${tag}></script>
${options.head ?? ''}
</head><body>${options.body ?? '<h1>Test shop</h1>'}</body></html>`);
  };

  /** Everything the topic received between two positions, all of it: nothing can still arrive in between. */
  const readBetween = (from: Positions, to: Positions): Promise<TopicEvent[]> => {
    const expected = [...to].reduce((sum, [partition, end]) => sum + Number(BigInt(end) - BigInt(from.get(partition) ?? end)), 0);
    if (expected === 0) return Promise.resolve([]);
    return readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (records) => records.filter((r) => BigInt(r.offset) < BigInt(to.get(r.partition) ?? '0')).length >= expected);
  };

  const ofRun = (records: TopicEvent[], run: string): TrackingEvent[] =>
    records.filter((record) => record.value.customer_id === customerId && (record.value.page_url ?? '').includes(run)).map((record) => record.value);

  /** Waits for the page's queue to be delivered (the gateway answers only after Kafka has the events). */
  const flushed = (tab: Page): Promise<void> => tab.evaluate(() => (window as unknown as { Tracking: { flush(): Promise<void> } }).Tracking.flush());

  const cookie = async (name: string) => (await context.cookies()).find((entry) => entry.name === name);

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is missing at ${CHROMIUM}: run \`bash tools/browsers/install-chromium.sh\` (installs Debian's chromium package)`);
    }
    await pages.start();
    const customersDir = customersDirectory();
    // The customer allows exactly the page server's origin, as a real customer lists its sites.
    mkdirSync(join(customersDir, customerId), { recursive: true });
    writeFileSync(
      join(customersDir, customerId, 'config.yaml'),
      stringify({
        customer: { id: customerId, name: 'Browser SDK test shop' },
        technical: { api_rate_limit: 100_000 },
        privacy: { redact_query_parameters: ['coupon'] },
        tracking: {
          api_tokens: [{ id: 'test', sha256: createHash('sha256').update(randomUUID()).digest('hex') }],
          publishable_keys: [{ key: publishableKey }],
          allowed_origins: [pages.origin, pages.at('shop.test'), pages.at('book.test')],
        },
      }),
    );
    writeFileSync(join(customersDir, customerId, 'features.yaml'), stringify({ features: { site_tracking: true }, flags: {} }));
    gateway = await startGateway(env, { CUSTOMERS_DIR: customersDir });

    const script = await fetch(`${gateway.url}/js/tracking.js`);
    if (script.status !== 200) throw new Error(`GET /js/tracking.js answered ${script.status}: build the SDK first (npm run build, or node sdks/browser/build.mjs)`);
    proxy = new CollectorProxy(gateway.url);
    await proxy.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  beforeEach(async () => {
    // A new profile per test: its own cookies, so its own visitor.
    context = await browser.newContext();
    proxy.failures = 0;
    proxy.requests.length = 0;
  });

  afterEach(() => context?.close());

  afterAll(async () => {
    await browser?.close();
    await proxy?.stop();
    await pages.stop();
    await gateway?.close();
  });

  describe('GET /js/tracking.js', () => {
    it('serves the bundle as cacheable JavaScript with an ETag that revalidates to 304', async () => {
      const first = await fetch(`${gateway.url}/js/tracking.js`);
      expect(first.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
      expect(first.headers.get('cache-control')).toContain('max-age=');
      expect(await first.text()).toContain('window.Tracking');
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^"[^"]+"$/);
      const again = await fetch(`${gateway.url}/js/tracking.js`, { headers: { 'If-None-Match': etag! } });
      expect(again.status).toBe(304);
    });
  });

  describe('when the visitor has consented', () => {
    it('delivers a page view and a custom event with the visitor and session ids of its cookies', async () => {
      const run = randomUUID();
      const tab = await context.newPage();
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      // The README's snippet: an async script tag, calls queued with push before it has loaded.
      const before = `<script>
  window.Tracking = window.Tracking || [];
  Tracking.push(['setConsent', 'granted']);
  Tracking.push(['trackEvent', 'signup_clicked', { plan: 'pro' }]);
</script>`;
      await tab.goto(`${pages.origin}${page({ title: 'Spa services', async: true, before })}?run=${run}`);
      await flushed(tab);
      const events = ofRun(await readBetween(from, await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents)), run);

      const visitor = await cookie('cp_track_id');
      const session = await cookie('cp_session_id');
      expect(visitor?.value).toMatch(UUID_V4);
      expect(session?.value).toMatch(UUID_V4);
      // Seed 002's lifetimes: a year for the visitor, 30 minutes (from the last activity) for the session.
      const now = Date.now() / 1000;
      expect(visitor!.expires - now).toBeGreaterThan(364 * DAY_SECONDS);
      expect(session!.expires - now).toBeGreaterThan(29 * 60);
      expect(session!.expires - now).toBeLessThanOrEqual(30 * 60);

      const pageView = events.find((event) => event.event_type === 'page_view');
      const custom = events.find((event) => event.event_type === 'custom_event');
      expect(pageView).toMatchObject({ event_name: 'Spa services', visitor_id: visitor!.value, session_id: session!.value, source: 'browser', key_id: publishableKey, consent_state: 'granted' });
      expect(custom).toMatchObject({ event_name: 'signup_clicked', visitor_id: visitor!.value, session_id: session!.value, consent_state: 'granted' });
      expect(JSON.parse(custom!.event_data)).toEqual({ plan: 'pro' });
      expect(pageView!.event_id).toMatch(UUID_V4);
      expect(custom!.event_id).toMatch(UUID_V4);
      expect(pageView!.sent_at).not.toBeNull();
    });

    it('counts a single-page-app navigation as a page view, with the session\'s campaign and the previous page as referrer', async () => {
      const run = randomUUID();
      const tab = await context.newPage();
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      const path = page({ config: { requireConsent: false } });
      await tab.goto(`${pages.origin}${path}?run=${run}&utm_source=newsletter&utm_campaign=spring`);
      await tab.evaluate((next) => history.pushState({}, '', next), `${path}/step-2?run=${run}`);
      // Back: a popstate, which the SDK has handled once this page's own listener (added after it) runs.
      await tab.evaluate(() => new Promise<void>((resolve) => {
        window.addEventListener('popstate', () => resolve(), { once: true });
        history.back();
      }));
      await flushed(tab);
      const views = ofRun(await readBetween(from, await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents)), run).filter((event) => event.event_type === 'page_view');

      expect(views.map((view) => new URL(view.page_url!).pathname)).toEqual([path, `${path}/step-2`, path]);
      expect(views[1]).toMatchObject({ utm_source: 'newsletter', utm_campaign: 'spring', referrer: views[0]!.page_url });
      expect(new Set(views.map((view) => view.session_id)).size).toBe(1);
      expect(new Set(views.map((view) => view.event_id)).size).toBe(3);
    });
  });

  describe('consent gate', () => {
    it('sends nothing before consent, and everything queued once it is granted', async () => {
      const run = randomUUID();
      const tab = await context.newPage();
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      await tab.goto(`${pages.origin}${page({ head: '<script>Tracking.track("hero_seen"); Tracking.track("pricing_opened", { tier: 2 });</script>' })}?run=${run}`);

      // Ten flush intervals: a tracker that ignored the gate would have sent by now.
      const early = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (records) => ofRun(records, run).length > 0, 2000);
      expect(ofRun(early, run)).toEqual([]);
      expect(proxy.collectPosts()).toEqual([]);
      expect(await cookie('cp_track_id')).toBeUndefined();

      await tab.evaluate(() => (window as unknown as { Tracking: { setConsent(s: string, m: object): void } }).Tracking.setConsent('granted', { banner: 'v3' }));
      await flushed(tab);
      const events = ofRun(await readBetween(from, await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents)), run);

      expect(events.map((event) => event.event_name ?? event.event_type).sort()).toEqual(['Test shop', 'consent_update', 'hero_seen', 'pricing_opened']);
      expect(events.every((event) => event.consent_state === 'granted')).toBe(true);
      expect(JSON.parse(events.find((event) => event.event_type === 'consent_update')!.event_data)).toEqual({ consent: 'granted', banner: 'v3' });
      expect((await cookie('cp_track_id'))?.value).toBe(events[0]!.visitor_id);
    });

    it('sends nothing, consent or not, when the browser says Do Not Track and the site respects it', async () => {
      const run = randomUUID();
      // The browser setting a visitor would switch on, as the page sees it.
      await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' }));
      const tab = await context.newPage();
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      await tab.goto(`${pages.origin}${page({ attributes: { 'respect-dnt': 'true' } })}?run=${run}`);
      await tab.evaluate(() => {
        const tracking = (window as unknown as { Tracking: { setConsent(s: string): void; track(n: string): void } }).Tracking;
        tracking.setConsent('granted');
        tracking.track('hero_seen');
      });
      await flushed(tab);

      const seen = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (records) => ofRun(records, run).length > 0, 2000);
      expect(ofRun(seen, run)).toEqual([]);
      expect(proxy.collectPosts()).toEqual([]);
      expect(await cookie('cp_track_id')).toBeUndefined();
    });
  });

  describe('when the gateway fails', () => {
    it('retries a batch answered 503 twice and delivers each event exactly once', async () => {
      const run = randomUUID();
      const tab = await context.newPage();
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      proxy.failures = 2;
      await tab.goto(`${pages.origin}${page({ config: { requireConsent: false }, head: '<script>Tracking.track("cart_viewed"); Tracking.track("checkout_started");</script>' })}?run=${run}`);
      await flushed(tab);
      const events = ofRun(await readBetween(from, await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents)), run);

      const attempts = proxy.collectPosts();
      expect(attempts.map((attempt) => attempt.status)).toEqual([503, 503, 200]);
      const idsOf = (attempt: SeenRequest): string[] => (JSON.parse(attempt.body) as { events: Array<{ event_id: string }> }).events.map((event) => event.event_id);
      // The same batch each time: same event ids, so a retry is recognisable downstream.
      expect(idsOf(attempts[1]!)).toEqual(idsOf(attempts[0]!));
      expect(idsOf(attempts[2]!)).toEqual(idsOf(attempts[0]!));
      expect(events.map((event) => event.event_id).sort()).toEqual([...idsOf(attempts[0]!)].sort());
      expect(events.map((event) => event.event_name ?? event.event_type).sort()).toEqual(['Test shop', 'cart_viewed', 'checkout_started']);
    });
  });

  describe('when the tab closes', () => {
    it('delivers what is still queued by sendBeacon', async () => {
      const run = randomUUID();
      const tab = await context.newPage();
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      // Nothing would be sent for a minute: only the page hiding can send these.
      await tab.goto(`${pages.origin}${page({ config: { requireConsent: false, flushIntervalMs: 60_000, flushAt: 50 } })}?run=${run}`);
      await tab.evaluate(() => {
        const tracking = (window as unknown as { Tracking: { track(n: string): void } }).Tracking;
        tracking.track('video_played');
        tracking.track('newsletter_opened');
      });
      expect(proxy.collectPosts()).toEqual([]);
      await tab.close({ runBeforeUnload: true });

      const expected = ['Test shop', 'newsletter_opened', 'video_played'];
      const arrived = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (records) => ofRun(records, run).length >= expected.length);
      const events = ofRun(await readBetween(from, await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents)), run);
      expect(ofRun(arrived, run).length).toBeGreaterThanOrEqual(expected.length);
      expect(events.map((event) => event.event_name).sort()).toEqual(expected);
      const posts = proxy.collectPosts();
      expect(posts).toHaveLength(1);
      // A beacon, not a fetch: the browser sends it on its own after the page is gone.
      expect(posts[0]!.headers['sec-fetch-mode']).toBe('no-cors');
      expect(posts[0]!.headers['origin']).toBe(pages.origin);
    });
  });

  describe('redaction', () => {
    it('never lets a sensitive query parameter leave the page, in the URL or the referrer', async () => {
      const run = randomUUID();
      const secret = `s3cr3t-${randomUUID()}`;
      const tab = await context.newPage();
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      // coupon is sensitive only because this site says so (data-redact), on every page of it.
      const next = page({ config: { requireConsent: false }, attributes: { redact: 'coupon' } });
      const landing = page({
        config: { requireConsent: false },
        attributes: { redact: 'coupon' },
        body: `<a id="next" href="${next}?run=${run}">next</a>`,
      });
      await tab.goto(`${pages.origin}${landing}?run=${run}&reset_token=${secret}&password=${secret}&coupon=${secret}&page=2`);
      await flushed(tab);
      await Promise.all([tab.waitForURL(`**${next}?run=${run}`), tab.click('#next')]);
      await flushed(tab);
      const events = ofRun(await readBetween(from, await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents)), run);

      expect(events).toHaveLength(2);
      const landingView = events.find((event) => event.page_url!.includes(landing))!;
      expect(new URL(landingView.page_url!).searchParams.get('reset_token')).toBe('REDACTED');
      expect(new URL(landingView.page_url!).searchParams.get('page')).toBe('2');
      expect(new URL(events.find((event) => event.page_url!.includes(next))!.referrer!).searchParams.get('password')).toBe('REDACTED');
      expect(JSON.stringify(events)).not.toContain(secret);
      // Redacted in the page already, not only by the gateway: no request carried it.
      expect(proxy.collectPosts().length).toBeGreaterThan(0);
      expect(proxy.requests.some((request) => request.body.includes(secret) || request.url.includes(secret))).toBe(false);
    });
  });

  describe('across the customer\'s domains', () => {
    const linked = { requireConsent: false, linkDomains: ['shop.test', 'book.test'] };

    it('keeps one visitor and one session when a link leads to another declared domain, and the link\'s ids never leave the page', async () => {
      const run = randomUUID();
      const tab = await context.newPage();
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      const booking = page({ config: linked, title: 'Book a slot' });
      const shop = page({ config: linked, title: 'Shop', body: `<a id="book" href="${pages.at('book.test')}${booking}?run=${run}">Book</a>` });
      await tab.goto(`${pages.at('shop.test')}${shop}?run=${run}`);
      await flushed(tab);
      const shopVisitor = await cookie('cp_track_id');
      await Promise.all([tab.waitForURL(`${pages.at('book.test')}${booking}?run=${run}`), tab.click('#book')]);
      await flushed(tab);
      const views = ofRun(await readBetween(from, await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents)), run).filter((event) => event.event_type === 'page_view');

      const onShop = views.find((view) => new URL(view.page_url!).hostname === 'shop.test');
      const onBooking = views.find((view) => new URL(view.page_url!).hostname === 'book.test');
      expect(onShop?.visitor_id).toMatch(UUID_V4);
      expect(onBooking).toMatchObject({ visitor_id: onShop!.visitor_id, session_id: onShop!.session_id, page_url: `${pages.at('book.test')}${booking}?run=${run}` });
      // Two domains, two cookie jars, one visitor: the booking domain stored what the link carried.
      const cookies = await context.cookies();
      expect(cookies.filter((entry) => entry.name === 'cp_track_id').map((entry) => [entry.domain, entry.value]).sort()).toEqual([
        ['book.test', onShop!.visitor_id],
        ['shop.test', onShop!.visitor_id],
      ]);
      expect(shopVisitor?.value).toBe(onShop!.visitor_id);
      // The address bar lost the parameter before the first event, and no request carried it.
      expect(tab.url()).not.toContain('_cpl');
      expect(proxy.requests.some((request) => request.body.includes('_cpl'))).toBe(false);
    });

    it('starts a new visitor when the link was altered, and still removes it from the address', async () => {
      const run = randomUUID();
      const tab = await context.newPage();
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      const booking = page({ config: linked });
      const forged = `1*${Math.floor(Date.now() / 1000).toString(36)}*${randomUUID()}*${randomUUID()}*0.0`;
      await tab.goto(`${pages.at('book.test')}${booking}?run=${run}&_cpl=${forged}`);
      await flushed(tab);
      const [view] = ofRun(await readBetween(from, await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents)), run);

      expect(view?.visitor_id).toMatch(UUID_V4);
      expect(forged).not.toContain(view!.visitor_id!);
      expect(view!.page_url).toBe(`${pages.at('book.test')}${booking}?run=${run}`);
      expect(tab.url()).toBe(view!.page_url);
    });
  });

  describe('behavioural tracking', () => {
    it('reports scroll depth and form submissions, never a form value', async () => {
      const run = randomUUID();
      const value = `pw-${randomUUID()}`;
      const tab = await context.newPage();
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      await tab.goto(
        `${pages.origin}${page({
          config: { requireConsent: false, behaviour: ['scroll', 'forms'] },
          body: `<div style="height:4000px">long page</div>
<form id="signup" name="signup" action="/subscribe?token=abc" method="post" onsubmit="event.preventDefault()">
<input name="email" value="ann@example.com"><input type="password" name="password" value="${value}"><button id="send">Send</button></form>`,
        })}?run=${run}`,
      );
      // The SDK measures scrolling once per animation frame: two frames later it has.
      await tab.evaluate(() => new Promise<void>((resolve) => {
        window.scrollTo(0, document.body.scrollHeight);
        requestAnimationFrame(() => requestAnimationFrame(() => resolve()));
      }));
      await tab.click('#send');
      await flushed(tab);
      const events = ofRun(await readBetween(from, await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents)), run);

      const depths = events.filter((event) => event.event_name === 'scroll_depth').map((event) => (JSON.parse(event.event_data) as { depth: number }).depth);
      expect(depths.sort((a, b) => a - b)).toEqual([25, 50, 75, 100]);
      const form = events.find((event) => event.event_name === 'form_submit');
      expect(JSON.parse(form!.event_data)).toMatchObject({ form_id: 'signup', form_name: 'signup', method: 'post', field_count: 3 });
      expect(JSON.parse(form!.event_data).action).toContain('token=REDACTED');
      expect(proxy.requests.some((request) => request.body.includes(value) || request.body.includes('ann@example.com'))).toBe(false);
    });
  });
});
