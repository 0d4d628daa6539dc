import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { Page } from 'playwright-core';
import { CONSUMER_SUBSCRIPTIONS, HEADERS, TOPICS, customerSource, redriveEventId, tenantHashKey } from '@tracking/contracts';
import { CONSOLE_DIR, ConsoleBrowser, PHONE, addToken } from '@test/support/console-browser';
import { TEST_ADMIN_TOKEN, startGateway, startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { positionGroup, waitForCommittedPast } from '@test/support/kafka-inspection';
import { consumeFrom, topicPositions } from '@test/support/topic-reader';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

/**
 * Rejected events and redrive (issue 21) on the real stack: the gateway refuses events and writes
 * their bad rows to tracking.events.rejected.v1, the real vault-loader loads them into
 * raw.rejected_events_r, the console's API lists them as the tenant and redrives fixed ones through
 * the gateway's ingestion path under their original event ids; then the page in Chromium.
 */

interface Listed {
  id: string;
  source: 'gateway' | 'loader';
  field: string | null;
  reason: string | null;
  errors: Array<{ field: string; reason: string }>;
  event_id: string | null;
  payload: string | null;
  redrivable: boolean;
  redriven: null | { event_id: string; redriven_by: string; redrives: number; outcome: string };
}

interface RedriveAnswer {
  accepted: number;
  refused: number;
  results: Array<{ id: string; status: number; outcome: string; event_id?: string; error?: { code: string; details?: Array<{ field: string; reason: string }> } }>;
}

describe('console: rejected events and redrive (issue 21)', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const groupId = `it-console-rejected-${randomUUID()}`;
  const run = randomUUID().slice(0, 8);
  let gateway: RunningService;
  let loader: RunningService;
  let db: Pool;
  let customer: TestCustomer;
  let other: TestCustomer;
  let adminToken: string;
  let readToken: string;
  let otherAdminToken: string;

  const badId = `bad-${run}`;
  const visitor = `visitor-${run}`;
  const goodEvent = (extra: Record<string, unknown> = {}) => ({
    event_type: 'page_view',
    event_name: 'Redriven page',
    page_url: `${customer.origin}/fixed-${run}`,
    session_id: `session-${run}`,
    visitor_id: visitor,
    consent_state: 'granted',
    occurred_at: new Date(Date.now() - 2_000).toISOString(),
    ...extra,
  });

  const api = async <T>(path: string, options: { token: string; customer: string; method?: string; body?: unknown }): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${gateway.url}${path}`, {
      method: options.method ?? 'GET',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': options.customer, Authorization: `Bearer ${options.token}` },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const list = async (query = '', token = readToken, id = customer.id) =>
    (await api<{ total: number; rejections: Listed[] }>(`/console/api/rejected${query}`, { token, customer: id })).body;
  const redrive = (items: Array<{ id: string; event: unknown }>, token = adminToken, id = customer.id) =>
    api<RedriveAnswer & { error?: string; details?: Array<{ field: string; reason: string }> }>('/console/api/rejected/redrive', { token, customer: id, method: 'POST', body: { items } });
  const rawRows = async (eventId: string) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM raw.site_tracking_events_r WHERE tenant_hk = $1 AND event_id = $2', [tenantHashKey(customer.id), eventId])).rows[0].n;
  const stagedRows = async (eventId: string) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1 AND event_id = $2', [tenantHashKey(customer.id), eventId])).rows[0].n;
  const track = (body: unknown, path = '/api/v1/track') =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': customer.id, Authorization: `Bearer ${customer.token}` },
      body: JSON.stringify(body),
    });
  /** Waits until the loader committed past everything on the events topic now: what a redrive published is loaded. */
  const loaderCaughtUp = async () => waitForCommittedPast(env.kafkaBrokers, groupId, TOPICS.trackingEvents, await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents));

  let rejectionWithId: Listed;
  let rejectionInBulk: Listed;

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    customer = writeTestCustomer(customersDir);
    other = writeTestCustomer(customersDir);
    adminToken = addToken(customersDir, customer, 'console-admin', ['read', 'admin']);
    readToken = addToken(customersDir, customer, 'console-read', ['read']);
    otherAdminToken = addToken(customersDir, other, 'other-admin', ['read', 'admin']);
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.vaultLoader);
    [gateway, loader] = await Promise.all([
      startGateway(env, { CUSTOMERS_DIR: customersDir, CONSOLE_DIR }),
      startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([gateway?.close(), loader?.close()]);
    await db?.end();
  });

  it('lists what the gateway refused, with its reason and field, the payload as sent, newest first, filtered and paged', async () => {
    const single = await track(goodEvent({ page_url: 'not a url', event_id: badId }));
    expect(single.status).toBe(400);
    const bulk = await track({ events: [goodEvent({ event_name: 'fine in bulk' }), goodEvent({ event_type: 'bad type!', event_name: `bulk-bad-${run}` })] }, '/api/v1/track/bulk');
    expect(bulk.status).toBe(200);
    // Accepted by the gateway, marked INVALID by the loader (a page view without its URL).
    expect((await track(goodEvent({ page_url: undefined, event_name: `no-url-${run}` }))).status).toBe(200);

    const page = await waitFor(() => list(), (body) => body.total === 3, { what: 'the 2 refusals and the loader-invalid event listed', timeoutMs: 60_000 });
    const byField = (field: string) => page.rejections.find((row) => row.field === field && row.source === 'gateway');
    rejectionWithId = byField('page_url') as Listed;
    rejectionInBulk = byField('event_type') as Listed;
    expect(rejectionWithId).toMatchObject({ source: 'gateway', event_id: badId, redrivable: true, redriven: null });
    expect(rejectionWithId.reason).toMatch(/url/i);
    expect(JSON.parse(rejectionWithId.payload ?? '{}')).toMatchObject({ page_url: 'not a url', event_id: badId, visitor_id: visitor });
    // A bulk's field is the event's own (events[1].event_type stored), its id derived from the rejection id.
    expect(rejectionInBulk).toMatchObject({ source: 'gateway', field: 'event_type', event_id: redriveEventId(rejectionInBulk.id) });
    const loaderRow = page.rejections.find((row) => row.source === 'loader');
    expect(loaderRow).toMatchObject({ field: 'page_url', redrivable: false });
    expect(loaderRow?.reason).toMatch(/page URL/);

    expect((await list('?source=gateway')).total).toBe(2);
    expect((await list('?source=loader')).total).toBe(1);
    expect((await list('?field=event_type')).rejections.map((row) => row.id)).toEqual([rejectionInBulk.id]);
    expect((await list(`?reason=${encodeURIComponent('PAGE URL')}`)).total).toBe(1);
    expect((await list(`?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).total).toBe(0);
    const first = await list('?limit=2');
    const second = await list('?limit=2&offset=2');
    expect(first.rejections).toHaveLength(2);
    expect(second.rejections).toHaveLength(1);
    expect(new Set([...first.rejections, ...second.rejections].map((row) => row.id)).size).toBe(3);
    expect((await api<{ details: Array<{ field: string }> }>('/console/api/rejected?limit=0', { token: readToken, customer: customer.id })).body.details[0]?.field).toBe('limit');

    // The Overview's rejected now counts the gateway's refusals beside the loader's invalid events.
    const overview = await api<{ totals: { rejected: number; gateway_refused: number; loader_invalid: number } }>('/console/api/overview', { token: readToken, customer: customer.id });
    expect(overview.body.totals).toMatchObject({ rejected: 3, gateway_refused: 2, loader_invalid: 1 });
  });

  it('redrives a fixed event under its original id: accepted after the acknowledgement, in the vault once even when sent twice', async () => {
    const started = performance.now();
    const answer = await redrive([{ id: rejectionWithId.id, event: goodEvent({ event_id: 'ignored-other-id' }) }]);
    console.log(`redrive of one event answered in ${Math.round(performance.now() - started)} ms`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ accepted: 1, refused: 0, results: [{ id: rejectionWithId.id, status: 200, outcome: 'accepted', event_id: badId }] });
    await waitFor(() => stagedRows(badId), (n) => n === 1, { what: 'the redriven event staged in the vault', timeoutMs: 60_000 });

    const again = await redrive([{ id: rejectionWithId.id, event: goodEvent() }]);
    expect(again.body.results[0]).toMatchObject({ status: 200, outcome: 'accepted', event_id: badId });
    await loaderCaughtUp();
    expect({ raw: await rawRows(badId), staged: await stagedRows(badId) }).toEqual({ raw: 1, staged: 1 });

    const marked = (await list('?source=gateway')).rejections.find((row) => row.id === rejectionWithId.id);
    expect(marked?.redriven).toMatchObject({ event_id: badId, outcome: 'accepted', redriven_by: 'key:console-admin', redrives: 2 });
  });

  it('refuses a redrive still bad with 400 naming the field, and publishes nothing (no event, no new bad row)', async () => {
    const [events, rejected] = await Promise.all([topicPositions(env.kafkaBrokers, TOPICS.trackingEvents), topicPositions(env.kafkaBrokers, TOPICS.trackingEventsRejected)]);
    const answer = await redrive([{ id: rejectionInBulk.id, event: goodEvent({ event_type: 'still bad!' }) }]);
    expect(answer.status).toBe(400);
    expect(answer.body.details?.map((detail) => detail.field)).toEqual(['event_type']);

    const ours = (headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined) => String(headers?.[HEADERS.source] ?? '') === customerSource(customer.id);
    const [publishedEvent, publishedBadRow] = await Promise.all([
      consumeFrom(env.kafkaBrokers, TOPICS.trackingEvents, events, (_, message) => ours(message.headers), 4000),
      consumeFrom(env.kafkaBrokers, TOPICS.trackingEventsRejected, rejected, (_, message) => message.key?.toString() === customer.id, 4000),
    ]);
    expect({ publishedEvent, publishedBadRow }).toEqual({ publishedEvent: false, publishedBadRow: false });
    expect((await list('?source=gateway')).rejections.find((row) => row.id === rejectionInBulk.id)?.redriven).toBeNull();
    expect(await rawRows(redriveEventId(rejectionInBulk.id))).toBe(0);
  });

  it('answers a bulk redrive item by item: accepted, refused with its field, unknown, in the vault already', async () => {
    const loaderRow = (await list('?source=loader')).rejections[0] as Listed;
    const answer = await redrive([
      { id: rejectionInBulk.id, event: goodEvent({ event_name: `bulk fixed ${run}` }) },
      { id: rejectionWithId.id, event: goodEvent({ page_url: 'still not a url' }) },
      { id: randomUUID(), event: goodEvent() },
      { id: loaderRow.id, event: goodEvent() },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((result) => [result.status, result.outcome])).toEqual([
      [200, 'accepted'],
      [400, 'refused'],
      [404, 'refused'],
      [409, 'refused'],
    ]);
    expect(answer.body.results[0]?.event_id).toBe(redriveEventId(rejectionInBulk.id));
    expect(answer.body.results[1]?.error?.details?.map((detail) => detail.field)).toEqual(['page_url']);
    await waitFor(() => rawRows(redriveEventId(rejectionInBulk.id)), (n) => n === 1, { what: 'the bulk-redriven event in the vault', timeoutMs: 60_000 });
  });

  it("keeps tenants apart: another customer's token neither lists nor redrives them, a read token cannot redrive", async () => {
    expect((await list('', otherAdminToken, other.id)).total).toBe(0);
    expect([401, 403]).toContain((await api('/console/api/rejected', { token: otherAdminToken, customer: customer.id })).status);
    expect([401, 403]).toContain((await redrive([{ id: rejectionInBulk.id, event: goodEvent() }], otherAdminToken, customer.id)).status);
    // Under its own tenant the other customer finds no such rejection: 404, nothing marked.
    const foreign = await redrive([{ id: rejectionInBulk.id, event: goodEvent() }], otherAdminToken, other.id);
    expect(foreign.status).toBe(404);
    expect((await redrive([{ id: rejectionInBulk.id, event: goodEvent() }], readToken)).status).toBe(403);
    const mark = (await list('?source=gateway')).rejections.find((row) => row.id === rejectionInBulk.id)?.redriven;
    expect(mark?.redrives).toBe(1);
  });

  it("erasure deletes a person's refused events, found by the ids their payloads carried", async () => {
    const erasedVisitor = `erased-${run}`;
    expect((await track(goodEvent({ visitor_id: erasedVisitor, page_url: 'nope' }))).status).toBe(400);
    const count = async () =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM raw.rejected_events_r WHERE tenant_hk = $1 AND payload LIKE $2', [tenantHashKey(customer.id), `%${erasedVisitor}%`])).rows[0].n;
    await waitFor(count, (n) => n === 1, { what: 'the refused event of the visitor loaded', timeoutMs: 60_000 });
    const response = await fetch(`${loader.url}/api/v1/privacy/erasures`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      body: JSON.stringify({ customer_id: customer.id, visitor_id: erasedVisitor }),
    });
    const body = (await response.json()) as { rows_anonymised: Record<string, number> };
    expect(response.status).toBe(200);
    expect(body.rows_anonymised['raw.rejected_events_r']).toBe(1);
    expect(await count()).toBe(0);
  });

  describe('the page in Chromium', () => {
    let chrome: ConsoleBrowser;
    let page: Page;

    beforeAll(async () => {
      // Two fresh refusals to work on in the page.
      for (const name of ['one', 'two', 'three']) expect((await track(goodEvent({ page_url: `broken ${name}`, event_name: `page-${name}-${run}` }))).status).toBe(400);
      await waitFor(() => list('?source=gateway'), (body) => body.rejections.filter((row) => row.redriven === null).length >= 3, { what: 'the page refusals listed', timeoutMs: 60_000 });
      chrome = await ConsoleBrowser.launch(gateway.url);
      page = chrome.page;
      await chrome.signIn(gateway.url, customer.id, adminToken);
    }, 120_000);

    afterAll(async () => {
      await chrome?.close();
    });

    it('shows the rejections with their field, opens one, checks the JSON, redrives it and marks it', async () => {
      await chrome.open('Rejected events');
      const table = page.locator('table.rejections');
      await table.waitFor();
      expect(await page.locator('table.rejections mark.field-name', { hasText: 'page_url' }).count()).toBeGreaterThan(0);
      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('rejected-1280x800');

      const row = page.locator('table.rejections tbody tr').filter({ has: page.locator('.badge', { hasText: /^open$/ }) }).filter({ has: page.locator('mark', { hasText: 'page_url' }) }).first();
      await row.getByRole('button', { name: /Open/ }).click();
      const editor = page.getByLabel('Event JSON');
      await editor.waitFor();
      const stored = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
      expect(String(stored['page_url'])).toMatch(/^broken /);
      await editor.fill('{ "event_type": ');
      await page.getByText('Not valid JSON', { exact: false }).waitFor();
      expect(await page.getByRole('button', { name: 'Redrive this event' }).isDisabled()).toBe(true);
      await editor.fill(JSON.stringify({ ...stored, page_url: `${customer.origin}/fixed-in-page-${run}` }, null, 2));
      await page.getByText('Valid JSON.').waitFor();
      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('rejected-editor-1280x800');
      // Rows the API tests redrove are marked already: the count must grow by this one, or the next
      // test could pick this row, still shown open by the list from before the redrive, and send its fixed draft.
      const redriven = () => page.locator('table.rejections .badge', { hasText: 'redriven' }).count();
      const redrivenBefore = await redriven();
      await page.getByRole('button', { name: 'Redrive this event' }).click();
      await page.locator('.redrive-results li.ok').first().waitFor();
      expect(await page.locator('.redrive-results').textContent()).toContain('accepted');
      await waitFor(redriven, (n) => n === redrivenBefore + 1, { what: 'this row marked redriven' });
    });

    it('redrives several selected at once and says per item what became of each', async () => {
      // Rows still open (not redriven, never edited here): their stored payloads carry the bad field.
      const boxes = page.locator('table.rejections tbody tr').filter({ has: page.locator('.badge', { hasText: /^open$/ }) }).getByRole('checkbox');
      const count = await boxes.count();
      // Two or more: a single refused item would be the whole answer's 400, which Chromium logs as a console error.
      expect(count).toBeGreaterThanOrEqual(2);
      for (let i = 0; i < 2; i++) await boxes.nth(i).check();
      await page.getByRole('button', { name: /Redrive selected/ }).click();
      // Stored payloads still carry their bad field: each is refused again, by itself, naming it.
      await page.locator('.redrive-results > li.refused').nth(1).waitFor();
      expect(await page.locator('.redrive-results > li').count()).toBe(2);
      expect(await page.locator('.redrive-results > li.refused').count()).toBe(2);
      expect(await page.locator('.redrive-results mark.field-name').first().textContent()).toBe('page_url');
      expect(await chrome.axeViolations()).toEqual([]);
      const phone = await chrome.checkPhone('rejected-390x844');
      expect(phone.scrollWidth).toBeLessThanOrEqual(PHONE.width);
      expect(phone.violations).toEqual([]);
    });

    it('had no console error and no CSP violation', async () => {
      expect(await chrome.cspViolations()).toEqual([]);
      expect(chrome.problems).toEqual([]);
    });
  });
});
