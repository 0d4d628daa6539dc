import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { CONSUMER_SUBSCRIPTIONS } from '@tracking/contracts';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { startAppProcess, type AppProcess } from '@test/support/app-process';
import { CONSOLE_DIR, ConsoleBrowser, DESKTOP, PHONE, addToken } from '@test/support/console-browser';
import {
  EXPORTER_ON_STACK_S3,
  TEST_ADMIN_TOKEN,
  exporterSettings,
  startAutomationTrigger,
  startGateway,
  startVaultLoader,
  type RunningService,
} from '@test/support/in-process-services';
import { positionGroup } from '@test/support/kafka-inspection';
import { openSse, type SseStream } from '@test/support/sse-stream';
import { customersDirectory, testS3Export, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { startWebhookReceiver, type WebhookReceiver } from '@test/support/webhook-receiver';
import { waitFor } from '@test/support/wait-for';

interface Journey {
  event_id: string;
  record: Record<string, unknown>;
  vault: { status: string; raw?: { processing_status: string }; staging?: { validation_status: string } | null; business?: Array<{ table: string; kind: string; written_by_this_event: boolean }> };
  export: { status: string; objects?: Array<{ bucket: string; key: string }> };
  triggers: { status: string; triggers?: Array<{ workflow_id: string; delivery_status: string; deliveries: Array<{ status_code: number | null }> }> };
}

/**
 * Live events and the event journey (issue 21, page 2) on the real stack: two tenants send events
 * through the gateway; tenant A's stream carries only A's (and B's records are never decoded: the
 * reader's decode counter has no B), filters keep what they name, two gateway instances each follow
 * the topic; a third stream of A is refused (429); A's event's journey shows its vault rows, its
 * exported object and the trigger it fired with its delivery, from the real loader, exporter and
 * automation trigger; another tenant's event id is 404; an erased subject's events never reach a
 * stream, and one instance's stream cap holds across customers; streams close cleanly, on disconnect and on
 * shutdown. Then the page in Chromium: an event sent after the page went live appears (the latency
 * from the gateway's acknowledgement to the row on screen is printed, not asserted), and its journey.
 */
describe('console: live events and the event journey (issue 21)', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const run = randomUUID().slice(0, 8);
  const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  const bucket = `it-live-${randomBytes(4).toString('hex')}`;
  let gateway: RunningService;
  let second: RunningService;
  let loader: RunningService;
  let trigger: RunningService;
  let exporter: AppProcess;
  let receiver: WebhookReceiver;
  let a: TestCustomer;
  let b: TestCustomer;
  let readToken: string;
  const streams: SseStream[] = [];
  const sentA: string[] = [];
  const sentB: string[] = [];

  const bearer = (customer: TestCustomer) => ({ 'X-Customer-ID': customer.id, Authorization: `Bearer ${customer.token}` });
  const send = async (customer: TestCustomer, events: Array<Record<string, unknown>>, via = gateway): Promise<string[]> => {
    const response = await fetch(`${via.url}/api/v1/track/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...bearer(customer) },
      body: JSON.stringify({
        events: events.map((event) => ({ session_id: `live-${customer.id}`, visitor_id: `v-${customer.id}`, occurred_at: new Date().toISOString(), consent_state: 'granted', ...event })),
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { accepted: Array<{ index: number; event_id: string }> };
    return [...body.accepted].sort((x, y) => x.index - y.index).map((accepted) => accepted.event_id);
  };
  const stream = async (via: RunningService, customer: TestCustomer, query = ''): Promise<SseStream> => {
    const opened = await openSse(`${via.url}/console/api/events/stream${query}`, bearer(customer));
    streams.push(opened);
    return opened;
  };
  const ready = (opened: SseStream) => waitFor(async () => opened.events.some((event) => event.event === 'ready'), Boolean, { what: 'the stream to be ready' });
  const received = (opened: SseStream) => opened.events.filter((event) => event.event === 'tracking_event').map((event) => JSON.parse(event.data) as Record<string, unknown>);
  const metric = async (via: RunningService, line: RegExp): Promise<number> => {
    const text = await (await fetch(`${via.url}/metrics`)).text();
    return text.split('\n').filter((row) => line.test(row)).reduce((sum, row) => sum + Number(row.split(' ').at(-1)), 0);
  };
  const decodedOf = (customer: TestCustomer) => new RegExp(`^gateway_live_records_decoded_total\\{[^}]*customer_id="${customer.id}"`);
  const journey = async (customer: TestCustomer, eventId: string) => {
    const response = await fetch(`${gateway.url}/console/api/events/${encodeURIComponent(eventId)}/journey`, { headers: bearer(customer) });
    return { status: response.status, body: (await response.json()) as Journey };
  };

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    receiver = await startWebhookReceiver();
    a = writeTestCustomer(customersDir, { s3Export: testS3Export({ clientBucket: bucket, prefix: 'live', schedule: 'real-time' }), landingWebhookUrl: receiver.url });
    b = writeTestCustomer(customersDir);
    readToken = addToken(customersDir, a, 'console-read', ['read']);
    const groups = { loader: `it-live-loader-${run}`, trigger: `it-live-trigger-${run}`, exporter: `it-live-exporter-${run}` };
    await Promise.all([
      positionGroup(env.kafkaBrokers, groups.loader, CONSUMER_SUBSCRIPTIONS.vaultLoader),
      positionGroup(env.kafkaBrokers, groups.trigger, CONSUMER_SUBSCRIPTIONS.automationTrigger),
      positionGroup(env.kafkaBrokers, groups.exporter, CONSUMER_SUBSCRIPTIONS.exporter),
    ]);
    exporter = await startAppProcess('exporter', 'EXPORTER_PORT', exporterSettings(env, groups.exporter, customersDir, EXPORTER_ON_STACK_S3));
    [loader, trigger] = await Promise.all([
      startVaultLoader(env, groups.loader, { CUSTOMERS_DIR: customersDir }),
      startAutomationTrigger(env, groups.trigger, customersDir, { IT_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}` }),
    ]);
    const gatewaySettings = {
      CUSTOMERS_DIR: customersDir,
      CONSOLE_DIR,
      EXPORTER_URL: exporter.url,
      AUTOMATION_TRIGGER_URL: trigger.url,
      VAULT_LOADER_GROUP_ID: groups.loader,
      AUTOMATION_TRIGGER_GROUP_ID: groups.trigger,
      EXPORTER_GROUP_ID: groups.exporter,
      CONSOLE_LIVE_STREAMS_PER_CUSTOMER: '2',
      CONSOLE_LIVE_HEARTBEAT_SECONDS: '1',
    };
    [gateway, second] = await Promise.all([startGateway(env, gatewaySettings), startGateway(env, gatewaySettings)]);
  }, 120_000);

  afterAll(async () => {
    for (const opened of streams) opened.close();
    await Promise.allSettled([gateway?.close(), second?.close(), loader?.close(), trigger?.close(), exporter?.stop(), receiver?.close()]);
    s3.destroy();
  });

  it("streams only the tenant's events, decodes no other tenant's record, filters, and follows the topic on every instance", async () => {
    const all = await stream(gateway, a);
    const filtered = await stream(second, a, '?type=page_view&url=%2Flanding%2F');
    expect([all.status, filtered.status]).toEqual([200, 200]);
    await Promise.all([ready(all), ready(filtered)]);

    // A third stream of A on one instance is past CONSOLE_LIVE_STREAMS_PER_CUSTOMER (2): 429 with a message that says so.
    const extra = await stream(gateway, a);
    await ready(extra);
    const third = await openSse(`${gateway.url}/console/api/events/stream`, bearer(a));
    extra.close();
    expect(third.status).toBe(429);
    expect(JSON.parse(third.refusal ?? '{}')).toMatchObject({ error_code: 'RATE_LIMITED' });
    expect(third.refusal).toMatch(/Too many live streams/);
    // A bad filter names its field.
    const bad = await fetch(`${gateway.url}/console/api/events/stream?type=${encodeURIComponent('not a type')}`, { headers: bearer(a) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('type');

    const skippedBefore = await metric(gateway, /^gateway_live_records_skipped_total[{ ]/);
    sentB.push(...(await send(b, [1, 2, 3].map((i) => ({ event_type: 'page_view', event_name: `B ${i}`, page_url: `${b.origin}/landing/b-${i}` })))));
    sentA.push(
      ...(await send(a, [
        { event_type: 'page_view', event_name: 'A landing', page_url: `${a.origin}/landing/spring?run=${run}` },
        { event_type: 'page_view', event_name: 'A pricing', page_url: `${a.origin}/pricing` },
        { event_type: 'custom_event', event_name: 'A signup', page_url: `${a.origin}/landing/form` },
      ])),
    );
    // Sent last, on the same session (one partition, in order): once it arrives, everything before it has.
    sentA.push(...(await send(a, [{ event_type: 'page_view', event_name: 'A fence', page_url: `${a.origin}/landing/fence` }], second)));
    expect(sentA).toHaveLength(4);
    expect(sentB).toHaveLength(3);

    await waitFor(async () => received(all).length, (n) => n >= 4, { what: "A's four events on the unfiltered stream" });
    await waitFor(async () => received(filtered).map((event) => event['event_name']), (names) => names.includes('A fence'), { what: 'the fence on the filtered stream' });
    expect(received(all).map((event) => event['event_id'])).toEqual(sentA);
    expect(received(filtered).map((event) => event['event_name'])).toEqual(['A landing', 'A fence']);
    const text = JSON.stringify([...all.events, ...filtered.events]);
    for (const id of sentB) expect(text).not.toContain(id);
    expect(text).not.toContain(b.id);
    // The read API's fields, no more: no address, no user agent, no event_data.
    for (const event of received(all)) {
      for (const field of ['ip_address', 'user_agent', 'event_data', 'referrer', 'key_id']) expect(Object.keys(event)).not.toContain(field);
      expect(event['visitor_id']).toBe(`v-${a.id}`);
    }
    // B's records were passed over by header, never decoded; A's were.
    expect(await metric(gateway, decodedOf(b))).toBe(0);
    expect(await metric(second, decodedOf(b))).toBe(0);
    expect(await metric(gateway, decodedOf(a))).toBeGreaterThanOrEqual(4);
    expect((await metric(gateway, /^gateway_live_records_skipped_total[{ ]/)) - skippedBefore).toBeGreaterThanOrEqual(3);
    await waitFor(() => metric(gateway, /^gateway_live_streams[{ ]/), (n) => n === 1, { what: 'the extra stream closed on the server' });
    expect(await metric(gateway, /^gateway_live_streams_refused_total\{[^}]*cap="customer"/)).toBe(1);
    // CONSOLE_LIVE_HEARTBEAT_SECONDS is 1: a quiet stream gets a comment line within a second or so.
    await waitFor(async () => all.comments, (n) => n > 0, { what: 'a heartbeat on the stream' });
  }, 60_000);

  it('shows the journey of an event: vault rows, the exported object, the trigger and its delivery', async () => {
    const landing = sentA[0] ?? '';
    // The real-time export writes within seconds; flushing now only shortens the wait.
    await fetch(`${exporter.url}/api/v1/export/run?customer_id=${a.id}`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    const { body } = await waitFor(
      () => journey(a, landing),
      ({ status, body: answer }) =>
        status === 200 && answer.vault.status === 'found' && answer.export.status === 'found' && answer.triggers.status === 'found' && answer.triggers.triggers?.[0]?.delivery_status === 'delivered',
      { what: 'the journey with every step found', timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(body.record).toMatchObject({ event_id: landing, event_name: 'A landing' });
    expect(body.vault.raw?.processing_status).toBe('PROCESSED');
    expect(body.vault.staging?.validation_status).not.toBe('INVALID');
    const tables = body.vault.business?.map((row) => row.table) ?? [];
    expect(tables).toEqual(expect.arrayContaining(['business.site_event_h', 'business.site_event_details_s', 'business.event_session_l', 'business.event_page_l']));
    expect(body.vault.business?.find((row) => row.table === 'business.site_event_h')?.written_by_this_event).toBe(true);
    expect(body.export.objects?.[0]).toMatchObject({ bucket });
    expect(body.export.objects?.[0]?.key).toContain(`customer=${a.id}/`);
    expect(body.triggers.triggers?.[0]).toMatchObject({ workflow_id: 'drill_landing', delivery_status: 'delivered' });
    expect(body.triggers.triggers?.[0]?.deliveries[0]?.status_code).toBe(200);

    // The pricing page view matched no workflow: the automation trigger passed it, nothing fired.
    const pricing = await waitFor(() => journey(a, sentA[1] ?? ''), ({ body: answer }) => answer.triggers.status === 'none', { what: 'pricing: no trigger', timeoutMs: 30_000 });
    expect(pricing.body.triggers.triggers).toEqual([]);

    // Another tenant's event is not found, either way round; nor is a made-up id.
    expect((await journey(b, landing)).status).toBe(404);
    expect((await journey(a, sentB[0] ?? '')).status).toBe(404);
    expect((await journey(a, `nothing-${run}`)).status).toBe(404);
    // A part whose service does not answer says so; the rest still answers.
    const cutOff = await startGateway(env, { CUSTOMERS_DIR: customersDir, EXPORTER_URL: 'http://127.0.0.1:9', AUTOMATION_TRIGGER_URL: 'http://127.0.0.1:9' });
    try {
      const response = await fetch(`${cutOff.url}/console/api/events/${landing}/journey`, { headers: bearer(a) });
      const partial = (await response.json()) as Journey;
      expect(response.status).toBe(200);
      expect([partial.vault.status, partial.export.status, partial.triggers.status]).toEqual(['found', 'unavailable', 'unavailable']);
    } finally {
      await cutOff.close();
    }
  }, 90_000);

  it("withholds an erased subject's events, and caps the streams of one instance across customers", async () => {
    // Erased before this instance's reader starts: the reader reads the whole erasure topic before
    // it follows the events, so the request is known when the subject's next event arrives.
    const erasedVisitor = `erased-${run}`;
    const erasure = await fetch(`${loader.url}/api/v1/privacy/erasures`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      body: JSON.stringify({ customer_id: a.id, visitor_id: erasedVisitor }),
    });
    expect(erasure.status).toBe(200);
    const third = await startGateway(env, { CUSTOMERS_DIR: customersDir, CONSOLE_LIVE_STREAMS_PER_CUSTOMER: '2', CONSOLE_LIVE_STREAMS_PER_INSTANCE: '2' });
    try {
      const ofA = await stream(third, a);
      const ofB = await stream(third, b);
      await Promise.all([ready(ofA), ready(ofB)]);
      // B holds one stream of its two, but the instance's two are taken: refused by the instance cap.
      const refused = await openSse(`${third.url}/console/api/events/stream`, bearer(b));
      expect(refused.status).toBe(429);
      expect(refused.refusal).toMatch(/Too many live streams on this gateway/);
      expect(await metric(third, /^gateway_live_streams_refused_total\{[^}]*cap="instance"/)).toBe(1);

      const [erasedEvent, fence] = await send(a, [
        { event_type: 'page_view', event_name: 'A erased', visitor_id: erasedVisitor, page_url: `${a.origin}/landing/erased` },
        { event_type: 'page_view', event_name: 'A after erasure', page_url: `${a.origin}/landing/after` },
      ]);
      await waitFor(async () => received(ofA).map((event) => event['event_id']), (ids) => ids.includes(fence), { what: 'the event after the erased one' });
      expect(received(ofA).map((event) => event['event_id'])).not.toContain(erasedEvent);
      expect(JSON.stringify(ofA.events)).not.toContain(erasedVisitor);
      expect(await metric(third, /^gateway_live_events_erased_total[{ ]/)).toBe(1);
      ofA.close();
      ofB.close();
    } finally {
      await third.close();
    }
  }, 60_000);

  it('closes streams cleanly: on disconnect, and on shutdown with a close event', async () => {
    const [all, onSecond] = streams;
    all?.close();
    await waitFor(() => metric(gateway, /^gateway_live_streams[{ ]/), (n) => n === 0, { what: "the first gateway's streams closed" });
    const closing = second.close();
    await onSecond?.ended;
    await closing;
    expect(onSecond?.events.at(-1)).toMatchObject({ event: 'close' });
    expect(JSON.parse(onSecond?.events.at(-1)?.data ?? '{}')).toEqual({ reason: 'The gateway is shutting down' });
  }, 30_000);

  describe('the page in Chromium', () => {
    let chrome: ConsoleBrowser;
    let page: Page;

    beforeAll(async () => {
      chrome = await ConsoleBrowser.launch(gateway.url);
      page = chrome.page;
      await chrome.signIn(gateway.url, a.id, readToken);
    }, 60_000);

    afterAll(async () => {
      await chrome?.close();
    });

    it('shows an event sent through the gateway after its acknowledgement, filters, pause', async () => {
      await chrome.open('Live events');
      await page.locator('.badge', { hasText: 'live' }).waitFor();
      const name = `Live ${run}`;
      const ids = await send(a, [{ event_type: 'page_view', event_name: name, page_url: `${a.origin}/landing/live-${run}` }]);
      const acknowledged = Date.now();
      await page.locator('.live-row', { hasText: name }).waitFor({ timeout: 10_000 });
      const latency = Date.now() - acknowledged;
      console.log(`live events: ${latency} ms from the gateway's acknowledgement to the row on screen (issue 21 wants at most 1 s)`);
      sentA.push(...ids);
      await send(a, [
        { event_type: 'custom_event', event_name: `Signup ${run}`, page_url: `${a.origin}/signup` },
        { event_type: 'page_view', event_name: `Pricing ${run}`, page_url: `${a.origin}/pricing` },
      ]);
      await page.locator('.live-row', { hasText: `Pricing ${run}` }).waitFor();
      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('live-events-1280x800');
      const phone = await chrome.checkPhone('live-events-390x844');
      expect(phone.scrollWidth).toBeLessThanOrEqual(PHONE.width);
      expect(phone.violations).toEqual([]);

      // Pause holds new events back; resume and a filter on the type.
      await page.getByRole('button', { name: 'Pause' }).click();
      await send(a, [{ event_type: 'page_view', event_name: `While paused ${run}`, page_url: `${a.origin}/paused` }]);
      await page.getByText(/1 arrived while paused/).waitFor();
      expect(await page.locator('.live-row', { hasText: `While paused ${run}` }).count()).toBe(0);
      await page.getByRole('button', { name: 'Resume' }).click();
      await page.getByLabel('Event type').fill('custom_event');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.locator('.badge', { hasText: 'live' }).waitFor();
      await send(a, [
        { event_type: 'page_view', event_name: `Filtered out ${run}`, page_url: `${a.origin}/x` },
        { event_type: 'custom_event', event_name: `Kept ${run}`, page_url: `${a.origin}/x` },
      ]);
      await page.locator('.live-row', { hasText: `Kept ${run}` }).waitFor();
      expect(await page.locator('.live-row', { hasText: `Filtered out ${run}` }).count()).toBe(0);
      await page.getByRole('button', { name: 'Clear' }).click();
      expect(await page.locator('.live-row').count()).toBe(0);
      await page.getByLabel('Event type').fill('');
      await page.getByRole('button', { name: 'Apply' }).click();
      // Apply opens a new stream: events count from its ready on.
      await page.locator('.badge', { hasText: 'live' }).waitFor();
    }, 60_000);

    it("opens an event's journey with each step", async () => {
      await page.locator('.badge', { hasText: 'live' }).waitFor();
      const name = `Journey ${run}`;
      await send(a, [{ event_type: 'page_view', event_name: name, page_url: `${a.origin}/landing/journey-${run}` }]);
      await page.locator('.live-row', { hasText: name }).click();
      await page.getByRole('heading', { name: 'Event journey', level: 1 }).waitFor();
      await page.waitForURL((url) => /^\/console\/live\/.+/.test(url.pathname));
      await fetch(`${exporter.url}/api/v1/export/run?customer_id=${a.id}`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      for (const step of ['vault', 'export', 'triggers']) {
        await page.locator(`[data-step="${step}"] .badge`, { hasText: 'found' }).waitFor({ timeout: 60_000 });
      }
      await page.locator('[data-step="triggers"] li', { hasText: 'Attempt 1: 200' }).waitFor({ timeout: 30_000 });
      expect(await page.locator('.journey-table tbody tr').count()).toBeGreaterThan(3);
      expect(await page.locator('.journey-objects code').first().textContent()).toContain(`s3://${bucket}/live/customer=${a.id}/`);
      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('event-journey-1280x800');
      const phone = await chrome.checkPhone('event-journey-390x844');
      expect(phone.scrollWidth).toBeLessThanOrEqual(PHONE.width);
      expect(phone.violations).toEqual([]);
      await page.setViewportSize(DESKTOP);
      // The README shows the journey beside the Overview.
      const docs = join(__dirname, '..', '..', 'docs', 'console');
      mkdirSync(docs, { recursive: true });
      copyFileSync(join(__dirname, '..', '..', 'test-results', 'console', 'event-journey-1280x800.png'), join(docs, 'event-journey-1280x800.png'));
      copyFileSync(join(__dirname, '..', '..', 'test-results', 'console', 'live-events-1280x800.png'), join(docs, 'live-events-1280x800.png'));
    }, 120_000);

    it('had no console error and no CSP violation', async () => {
      expect(await chrome.cspViolations()).toEqual([]);
      expect(chrome.problems).toEqual([]);
    });
  });
});
