import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { Page } from 'playwright-core';
import { CONSUMER_SUBSCRIPTIONS, tenantHashKey } from '@tracking/contracts';
import { CONSOLE_DIR, ConsoleBrowser, DESKTOP, PHONE, addToken } from '@test/support/console-browser';
import { TEST_ADMIN_TOKEN, startGateway, startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

/**
 * The console (issue 21) in Debian's Chromium, driven by playwright-core, against the real gateway
 * serving the real build (apps/console/dist, from `npm run build`) under its CSP: sign in with a
 * read-scoped token, the Overview shows events sent through the gateway here, sign out. No console
 * error, no CSP violation, axe-core finds nothing serious or critical. Each page is screenshotted
 * into test-results/console/ (docs/console/ keeps copies for the README).
 */

describe('console in the browser (issue 21)', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const groupId = `it-console-ui-${randomUUID()}`;
  let gateway: RunningService;
  let loader: RunningService;
  let db: Pool;
  let customer: TestCustomer;
  let readToken: string;
  let chrome: ConsoleBrowser;
  let page: Page;

  const staged = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1', [tenantHashKey(customer.id)])).rows[0].n;
  const axeViolations = () => chrome.axeViolations();
  const screenshot = (name: string) => chrome.screenshot(name);

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    customer = writeTestCustomer(customersDir);
    readToken = addToken(customersDir, customer, 'console-read', ['read']);
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.vaultLoader);
    [gateway, loader] = await Promise.all([
      startGateway(env, { CUSTOMERS_DIR: customersDir, CONSOLE_DIR }),
      startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir }),
    ]);
    const sent = await fetch(`${gateway.url}/api/v1/track/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': customer.id, Authorization: `Bearer ${customer.token}` },
      body: JSON.stringify({
        events: Array.from({ length: 7 }, (_, i) => ({
          event_type: 'page_view',
          event_name: `console ${i}`,
          page_url: `${customer.origin}/console-${i}`,
          session_id: `console-ui-${customer.id}`,
          occurred_at: new Date(Date.now() - 5_000 - i * 1000).toISOString(),
          consent_state: 'granted',
        })),
      }),
    });
    expect(sent.status).toBe(200);
    await waitFor(staged, (n) => n === 7, { what: 'the 7 events staged in the vault', timeoutMs: 60_000 });

    chrome = await ConsoleBrowser.launch(gateway.url);
    page = chrome.page;
  }, 120_000);

  afterAll(async () => {
    await chrome?.close();
    await Promise.allSettled([gateway?.close(), loader?.close()]);
    await db?.end();
  });

  it('shows the sign-in page, accessible, and refuses a wrong token with a message', async () => {
    await page.goto(`${gateway.url}/console/`);
    await page.getByRole('heading', { name: 'Sign in to the tracking console' }).waitFor();
    await page.waitForURL((url) => url.pathname === '/console/sign-in');
    expect(await axeViolations()).toEqual([]);
    await screenshot('sign-in-1280x800');

    await page.getByLabel('Customer id').fill(customer.id);
    await page.getByLabel('API token (read scope)').fill('ovt_test_not_a_token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).not.toBe('');
  });

  it('signs in with a read token and shows the Overview with the events sent through the gateway', async () => {
    await page.getByLabel('API token (read scope)').fill(readToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.waitForURL((url) => url.pathname === '/console/overview');

    const accepted = page.locator('.tile.good .tile-value');
    await waitFor(async () => (await accepted.textContent()) ?? '', (text) => text === '7', { what: 'the accepted tile to show 7' });
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);
    expect(await page.getByRole('img', { name: /7 accepted/ }).count()).toBe(1);
    expect(await page.locator('.consumer').count()).toBeGreaterThan(0);
    // Nothing secret is kept by the page: the session is the HttpOnly cookie.
    expect(await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length }))).toEqual({ local: 0, session: 0 });
    expect(await page.evaluate(() => document.cookie)).not.toContain('console_session');

    expect(await axeViolations()).toEqual([]);
    await screenshot('overview-1280x800');
    await page.setViewportSize(PHONE);
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await axeViolations()).toEqual([]);
    await screenshot('overview-390x844');
    await page.setViewportSize(DESKTOP);
  });

  it('keeps the session across a reload and signs out back to the sign-in page', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the tracking console' }).waitFor();
    await page.waitForURL((url) => url.pathname === '/console/sign-in');
    const session = await page.evaluate(async () => (await fetch('/console/api/session')).status);
    expect(session).toBe(401);
  });

  it('signs an operator in, who picks the customer to read, and out', async () => {
    await page.getByLabel('Operator', { exact: true }).check();
    await page.getByLabel('Operator token').fill(TEST_ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.getByLabel('Customer', { exact: true }).selectOption(customer.id);
    const accepted = page.locator('.tile.good .tile-value');
    await waitFor(async () => (await accepted.textContent()) ?? '', (text) => text === '7', { what: "the operator's view of the customer to show 7 accepted" });
    expect(await axeViolations()).toEqual([]);
    await screenshot('overview-operator-1280x800');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the tracking console' }).waitFor();
  });

  it('had no console error and no CSP violation', async () => {
    expect(await chrome.cspViolations()).toEqual([]);
    expect(chrome.problems).toEqual([]);
  });
});
