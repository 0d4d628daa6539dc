import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Pool } from 'pg';
import type { Page } from 'playwright-core';
import { CONSUMER_SUBSCRIPTIONS, tenantHashKey } from '@tracking/contracts';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { startAppProcess, type AppProcess } from '@test/support/app-process';
import { CONSOLE_DIR, ConsoleBrowser, PHONE, addToken } from '@test/support/console-browser';
import { isEventObject, listObjects } from '@test/support/export-objects';
import {
  EXPORTER_ON_STACK_S3,
  exporterSettings,
  startAutomationTrigger,
  startGateway,
  startVaultLoader,
  type RunningService,
} from '@test/support/in-process-services';
import { positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, testS3Export, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

/**
 * The console's Analytics, Exports and Privacy pages (issue 21) against the real stack: the gateway
 * (serving the console build) with the vault loader and automation trigger in-process and the
 * exporter as its own process on the stack's S3 server. Events sent through the gateway here show in
 * the analytics the page draws (checked against the read API), the export is run from the page and
 * writes objects, an erasure requested on the page reaches done in every place. A read-only session
 * can neither run nor erase, and another tenant's session is refused everywhere.
 */

interface Session {
  cookie: string;
  csrf: string;
}

const PAGE_VIEWS = 9;
const CUSTOM_EVENTS = 3;

describe('console pages: analytics, exports, privacy (issue 21)', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const run = randomBytes(4).toString('hex');
  const clientBucket = `it-console-client-${run}`;
  const backupBucket = `it-console-backup-${run}`;
  const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  const visitor = `console-visitor-${randomUUID()}`;
  let exported: TestCustomer;
  let plain: TestCustomer;
  let readToken: string;
  let adminToken: string;
  let plainAdminToken: string;
  let gateway: RunningService;
  let loader: RunningService;
  let trigger: RunningService;
  let exporter: AppProcess;
  let db: Pool;
  let chrome: ConsoleBrowser;
  let page: Page;
  const sessions: Record<'read' | 'admin' | 'other', Session> = { read: { cookie: '', csrf: '' }, admin: { cookie: '', csrf: '' }, other: { cookie: '', csrf: '' } };

  const signIn = async (customerId: string, token: string): Promise<Session> => {
    const response = await fetch(`${gateway.url}/console/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ customer_id: customerId, token }) });
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().find((header) => header.startsWith('console_session='))?.split(';')[0] ?? '';
    return { cookie, csrf: ((await response.json()) as { csrf_token: string }).csrf_token };
  };
  const call = async (session: Session, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { Cookie: session.cookie, ...(method === 'GET' ? {} : { 'X-CSRF-Token': session.csrf }), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, body: (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const staged = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1', [tenantHashKey(exported.id)])).rows[0]?.n ?? 0;

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    await s3.send(new CreateBucketCommand({ Bucket: clientBucket }));
    await s3.send(new CreateBucketCommand({ Bucket: backupBucket }));
    exported = writeTestCustomer(customersDir, { s3Export: testS3Export({ clientBucket, backupBucket, prefix: 'console', schedule: 'hourly' }) });
    plain = writeTestCustomer(customersDir);
    readToken = addToken(customersDir, exported, 'console-read', ['read']);
    adminToken = addToken(customersDir, exported, 'console-admin', ['read', 'admin']);
    plainAdminToken = addToken(customersDir, plain, 'console-admin', ['read', 'admin']);

    const groups = { loader: `it-console-pages-loader-${run}`, trigger: `it-console-pages-trigger-${run}`, exporter: `it-console-pages-exporter-${run}` };
    await Promise.all([
      positionGroup(env.kafkaBrokers, groups.loader, CONSUMER_SUBSCRIPTIONS.vaultLoader),
      positionGroup(env.kafkaBrokers, groups.trigger, CONSUMER_SUBSCRIPTIONS.automationTrigger),
      positionGroup(env.kafkaBrokers, groups.exporter, CONSUMER_SUBSCRIPTIONS.exporter),
    ]);
    [loader, trigger, exporter] = await Promise.all([
      startVaultLoader(env, groups.loader, { CUSTOMERS_DIR: customersDir, VAULT_RETENTION_INTERVAL_MINUTES: '0' }),
      startAutomationTrigger(env, groups.trigger, customersDir),
      startAppProcess('exporter', 'EXPORTER_PORT', exporterSettings(env, groups.exporter, customersDir, { ...EXPORTER_ON_STACK_S3 })),
    ]);
    gateway = await startGateway(env, {
      CUSTOMERS_DIR: customersDir,
      CONSOLE_DIR,
      EXPORTER_URL: exporter.url,
      VAULT_LOADER_URL: loader.url,
      AUTOMATION_TRIGGER_URL: trigger.url,
    });

    // Page views from two referrers and a campaign, the erased visitor's among them, and custom events.
    const now = Date.now();
    const events = [
      ...Array.from({ length: PAGE_VIEWS }, (_, i) => ({
        event_type: 'page_view',
        event_name: `Console page ${i % 3}`,
        page_url: `${exported.origin}/console-${i % 3}?utm_source=${i % 2 ? 'newsletter' : 'ads'}&utm_medium=email&utm_campaign=launch`,
        referrer: `https://${i % 2 ? 'search' : 'social'}.example/from`,
        session_id: `console-pages-${run}-${i % 4}`,
        visitor_id: i < 3 ? visitor : `console-bystander-${run}-${i}`,
        occurred_at: new Date(now - 60_000 - i * 1000).toISOString(),
        consent_state: 'granted',
      })),
      ...Array.from({ length: CUSTOM_EVENTS }, (_, i) => ({
        event_type: 'custom',
        event_name: 'signup_clicked',
        session_id: `console-pages-${run}-0`,
        visitor_id: i === 0 ? visitor : `console-bystander-${run}-c${i}`,
        page_url: `${exported.origin}/console-0`,
        occurred_at: new Date(now - 30_000 - i * 1000).toISOString(),
        consent_state: 'granted',
      })),
    ];
    const sent = await fetch(`${gateway.url}/api/v1/track/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': exported.id, Authorization: `Bearer ${exported.token}` },
      body: JSON.stringify({ events }),
    });
    expect(sent.status).toBe(200);
    await waitFor(staged, (n) => n === PAGE_VIEWS + CUSTOM_EVENTS, { what: 'the events staged in the vault', timeoutMs: 60_000 });

    sessions.read = await signIn(exported.id, readToken);
    sessions.admin = await signIn(exported.id, adminToken);
    sessions.other = await signIn(plain.id, plain.token);
    chrome = await ConsoleBrowser.launch(gateway.url);
    page = chrome.page;
    // The admin token opens the console like a read token (it carries read too).
    await page.goto(`${gateway.url}/console/`);
    await page.getByLabel('Customer id').fill(exported.id);
    await page.getByLabel('API token (read scope)').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await chrome?.close();
    await Promise.allSettled([gateway?.close(), loader?.close(), trigger?.close(), exporter?.stop()]);
    await db?.end();
  });

  /** The page at 1280x800 and 390x844: axe clean at both, nothing wider than the phone. */
  const checkLayouts = async (name: string) => {
    expect(await chrome.axeViolations()).toEqual([]);
    await chrome.screenshot(`${name}-1280x800`);
    const phone = await chrome.checkPhone(`${name}-390x844`);
    expect(phone.violations).toEqual([]);
    expect(phone.scrollWidth).toBeLessThanOrEqual(PHONE.width);
  };

  describe('Analytics', () => {
    it('shows the figures of the read API for the events sent here, over 7, 30 and 90 days', async () => {
      const api = await call(sessions.read, 'GET', '/api/v1/tracking/analytics?window=7');
      expect(api.status).toBe(200);
      const report = api.body as { totals: { page_views: number; unique_visitors: number; events: number }; top_pages: unknown[]; referrers: unknown[]; event_leaderboard: Array<{ events: number }> };
      expect(report.totals.page_views).toBe(PAGE_VIEWS);
      expect(report.totals.events).toBe(PAGE_VIEWS + CUSTOM_EVENTS);

      await chrome.open('Analytics');
      const tile = (label: string) => page.locator('.tile', { hasText: label }).locator('.tile-value');
      await waitFor(async () => (await tile('Page views').textContent()) ?? '', (text) => text === String(PAGE_VIEWS), { what: 'the page views tile' });
      expect(await tile('Unique visitors').textContent()).toBe(String(report.totals.unique_visitors));
      expect(await tile('Events').textContent()).toBe(String(report.totals.events));
      expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);
      expect(await page.getByRole('table', { name: 'Top pages' }).locator('tbody tr').count()).toBe(report.top_pages.length);
      expect(await page.getByRole('table', { name: 'Referrers' }).locator('tbody tr').count()).toBe(report.referrers.length);
      expect(await page.getByRole('table', { name: 'Event leaderboard' }).locator('tbody td.num').first().textContent()).toBe(String(report.event_leaderboard[0]?.events));
      expect(await page.getByRole('table', { name: 'UTM campaigns' }).getByRole('rowheader', { name: 'launch' }).count()).toBe(1);

      // The window: each choice asks the read API again, and the dates shown follow.
      for (const days of [7, 90, 30]) {
        const asked = page.waitForResponse((response) => response.url().includes('/api/v1/tracking/analytics?') && response.url().includes(`window=${days}`));
        await page.getByLabel(`${days} days`).check();
        const answer = await asked;
        expect(answer.status()).toBe(200);
        const body = (await answer.json()) as { from: string; totals: { page_views: number } };
        await waitFor(async () => (await page.locator('.analytics-head p.muted').textContent()) ?? '', (text) => text.startsWith(body.from.slice(0, 10)), { what: `the ${days}-day window shown` });
        expect(await tile('Page views').textContent()).toBe(String(body.totals.page_views));
      }
      await checkLayouts('analytics');
    });

    it('downloads the CSV export of the window from its link', async () => {
      const download = page.waitForEvent('download');
      await page.getByRole('link', { name: 'Download CSV' }).click();
      const file = await (await download).path();
      const rows = readFileSync(file, 'utf8').trim().split('\r\n');
      expect(rows[0]).toContain('event_id');
      expect(rows.length).toBe(1 + PAGE_VIEWS + CUSTOM_EVENTS);
    });
  });

  describe('Exports', () => {
    it('shows a customer without an export that it has none, and the exporter is asked only about the caller', async () => {
      const none = await call(sessions.other, 'GET', '/console/api/exports/status');
      expect(none).toMatchObject({ status: 200, body: { customer_id: plain.id, configured: false } });
      const before = await call(sessions.read, 'GET', '/console/api/exports/status');
      expect(before.status).toBe(200);
      expect(before.body).toMatchObject({ customer_id: exported.id, configured: true, configuration: { format: 'jsonl', schedule: 'hourly', client: { bucket: clientBucket } } });
      expect(JSON.stringify(before.body)).not.toContain(plain.id);
    });

    it('refuses run now to a read-only session and to a session without its CSRF token', async () => {
      expect((await call(sessions.read, 'POST', '/console/api/exports/run')).status).toBe(403);
      expect((await call({ ...sessions.admin, csrf: 'wrong' }, 'POST', '/console/api/exports/run')).status).toBe(403);
      // The other customer's session has no admin scope; its admin token finds no export to run.
      expect((await call(sessions.other, 'POST', '/console/api/exports/run')).status).toBe(403);
      const noExport = await fetch(`${gateway.url}/console/api/exports/run`, { method: 'POST', headers: { 'X-Customer-ID': plain.id, Authorization: `Bearer ${plainAdminToken}` } });
      expect(noExport.status).toBe(404);
    });

    it('runs the export from the page: objects written to both buckets, shown per hour and per bucket', async () => {
      // The exporter holds the events in an open (hourly) object until run.
      await waitFor(
        async () => ((await call(sessions.read, 'GET', '/console/api/exports/status')).body as { status?: { pending_events?: number } }).status?.pending_events ?? 0,
        (pending) => pending === PAGE_VIEWS + CUSTOM_EVENTS,
        { what: 'the events held by the exporter', timeoutMs: 60_000 },
      );
      await chrome.open('Exports');
      await page.getByRole('heading', { name: 'Run now' }).waitFor();
      const started = Date.now();
      await page.getByRole('button', { name: 'Run now' }).click();
      await waitFor(async () => (await page.locator('.run-result').textContent()) ?? '', (text) => text.startsWith('Written:'), { what: 'the run result', timeoutMs: 60_000 });
      process.stdout.write(`console run now: ${Date.now() - started} ms from click to result\n`);
      expect(await page.locator('.run-result').textContent()).toContain(`${PAGE_VIEWS + CUSTOM_EVENTS} events`);

      const objects = (await listObjects(s3, clientBucket)).filter((object) => isEventObject(object.key));
      expect(objects.length).toBeGreaterThan(0);
      const after = await call(sessions.read, 'GET', '/console/api/exports/status');
      const activity = (after.body as { activity: { per_hour: Array<{ objects: Record<string, number> }>; buckets: Array<{ role: string; objects: number; error: string | null; last_write_at: string | null }> } }).activity;
      expect(activity.per_hour.reduce((sum, hour) => sum + (hour.objects['jsonl'] ?? 0), 0)).toBe(objects.length);
      expect(activity.buckets.map((bucket) => ({ role: bucket.role, objects: bucket.objects, error: bucket.error }))).toEqual([
        { role: 'client', objects: objects.length, error: null },
        { role: 'backup', objects: objects.length, error: null },
      ]);
      await waitFor(async () => page.locator('table.buckets tbody tr').count(), (rows) => rows === 2, { what: 'both buckets listed' });
      await waitFor(async () => (await page.locator('.tile', { hasText: 'State' }).locator('.tile-value').textContent()) ?? '', (text) => text === 'exporting', { what: 'the state tile' });
      expect(await page.getByRole('img', { name: new RegExp(`last 24 hours: ${objects.length}, by format jsonl`) }).count()).toBe(1);
      await checkLayouts('exports');
    });
  });

  describe('Privacy', () => {
    it('refuses an erasure to a read-only session, and a request without confirmation or subject', async () => {
      expect((await call(sessions.read, 'POST', '/console/api/privacy/erasures', { visitor_id: visitor, confirm: true })).status).toBe(403);
      const unconfirmed = await call(sessions.admin, 'POST', '/console/api/privacy/erasures', { visitor_id: visitor });
      expect(unconfirmed.status).toBe(400);
      expect(unconfirmed.body).toMatchObject({ error_code: 'INVALID_REQUEST' });
      expect(String(unconfirmed.body['error'])).toContain('confirm');
      const nobody = await call(sessions.admin, 'POST', '/console/api/privacy/erasures', { confirm: true });
      expect(nobody.status).toBe(400);
      expect(String(nobody.body['error'])).toContain('visitor_id');
      const readOnlyBearer = await fetch(`${gateway.url}/console/api/privacy/erasures`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Customer-ID': exported.id, Authorization: `Bearer ${readToken}` },
        body: JSON.stringify({ visitor_id: visitor, confirm: true }),
      });
      expect(readOnlyBearer.status).toBe(403);
      expect((await db.query('SELECT count(*)::int AS n FROM privacy.erasures WHERE tenant_hk = $1', [tenantHashKey(exported.id)])).rows[0]).toEqual({ n: 0 });
    });

    it('requests an erasure on the page and shows it done in the vault, the export buckets and the automation trigger', async () => {
      await chrome.open('Privacy');
      await page.getByLabel('Visitor id to erase').fill(visitor);
      await page.getByRole('button', { name: 'Erase' }).click();
      await page.getByRole('alert').filter({ hasText: 'confirmation' }).waitFor();
      await page.getByLabel(/I understand/).check();
      const started = Date.now();
      await page.getByRole('button', { name: 'Erase' }).click();
      await waitFor(async () => (await page.locator('.erase-result').textContent()) ?? '', (text) => text.startsWith('Requested'), { what: 'the erasure requested' });
      const states = async () => (await page.locator('.erasure').first().locator('tbody tr td:nth-child(2) .badge').allTextContents()).join(',');
      await waitFor(states, (text) => text === 'done,done,done', { what: 'every place done on the page', timeoutMs: 60_000 });
      process.stdout.write(`console erasure: ${Date.now() - started} ms from click to done in every place on the page\n`);

      const list = await call(sessions.read, 'GET', '/console/api/privacy/erasures');
      expect(list.status).toBe(200);
      const requests = (list.body as { requests: Array<{ requested_by: string; subjects: object; places: Record<string, { state: string; found: number | null; removed: number | null }> }> }).requests;
      expect(requests).toHaveLength(1);
      expect(requests[0]?.subjects).toEqual({ visitors: 1, users: 0 });
      expect(requests[0]?.places['vault']?.state).toBe('done');
      // The exporter found the erased visitor's four records in the objects written above.
      expect(requests[0]?.places['exporter']).toMatchObject({ state: 'done', found: 4, removed: 4 });
      expect(requests[0]?.places['automation-trigger']?.state).toBe('done');
      expect(requests[0]?.requested_by).toBe('console:console_customer:key=console-admin');
      // The subject is never named back: not in the list, not on the page.
      expect(list.text).not.toContain(visitor);
      expect(await page.content()).not.toContain(visitor);
      await checkLayouts('privacy');
    });
  });

  it("refuses every new route to another tenant's session or token naming this customer, and changes nothing", async () => {
    const before = (await db.query('SELECT count(*)::int AS n FROM privacy.erasures WHERE tenant_hk = $1', [tenantHashKey(exported.id)])).rows[0];
    for (const [method, path, body] of [
      ['GET', '/console/api/exports/status', undefined],
      ['POST', '/console/api/exports/run', undefined],
      ['GET', '/console/api/privacy/erasures', undefined],
      ['POST', '/console/api/privacy/erasures', { visitor_id: `x-${run}`, confirm: true }],
    ] as const) {
      const byQuery = await call(sessions.other, method, `${path}?customer_id=${exported.id}`, body);
      const byHeader = await call(sessions.other, method, path, body, { 'X-Customer-ID': exported.id });
      const byBearer = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { 'X-Customer-ID': exported.id, Authorization: `Bearer ${plain.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect({ path, method, statuses: [byQuery.status, byHeader.status, byBearer.status] }).toEqual({ path, method, statuses: [403, 403, 403] });
      expect(byQuery.text).not.toContain(clientBucket);
    }
    expect((await db.query('SELECT count(*)::int AS n FROM privacy.erasures WHERE tenant_hk = $1', [tenantHashKey(exported.id)])).rows[0]).toEqual(before);
  });

  it('had no console error and no CSP violation', async () => {
    expect(await chrome.cspViolations()).toEqual([]);
    expect(chrome.problems).toEqual([]);
  });
});
