import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CONSUMER_SUBSCRIPTIONS } from '@tracking/contracts';
import { CONSOLE_DIR, ConsoleBrowser, PHONE, addToken } from '@test/support/console-browser';
import { TEST_ADMIN_TOKEN, startAutomationTrigger, startGateway, type RunningService } from '@test/support/in-process-services';
import { positionGroup } from '@test/support/kafka-inspection';
import { applyTestCustomers, customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';
import { startWebhookReceiver, type WebhookReceiver } from '@test/support/webhook-receiver';

/**
 * The console's Automations (issue 21, page 5) on the real stack: a gateway, the automation trigger
 * (customers from the shared topic, so workflows can be saved), a webhook receiver. Workflows are
 * listed, checked without saving, refused with per-field errors (nothing saved) and saved through
 * the gateway's tenant routes; an event sent through the gateway fires the saved workflow, its
 * delivery appears with each attempt, a redelivery adds one; a sample is tried with the production
 * matcher; another tenant reaches none of it. Then the page in Chromium.
 */

interface Check {
  valid: boolean;
  errors: Array<{ field: string; reason: string }>;
}
interface Attempt {
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  attempted_at: string;
  error: string | null;
}
interface Delivery {
  trigger_id: string;
  workflow_id: string;
  state: string;
  attempts: Attempt[];
  next_attempt_at: string | null;
}
interface Verdict {
  workflow_id: string;
  fires: boolean;
  failed_filter?: string;
  reason?: string;
}

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const DOCS = join(__dirname, '..', '..', 'docs', 'console');
const ARTIFACTS = join(__dirname, '..', '..', 'test-results', 'console');

describe('console automations (issue 21, page 5)', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const groupId = `it-console-automations-${randomUUID()}`;
  let gateway: RunningService;
  let trigger: RunningService;
  let hooks: WebhookReceiver;
  let a: TestCustomer;
  let b: TestCustomer;
  let aAdmin: string;
  let aRead: string;
  let bAdmin: string;

  /** A console route with a bearer token for `customer` (X-Customer-ID names `named`, the customer by default). */
  const call = (token: string, customerId: string, path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${gateway.url}/console/api/automations${path}`, {
      method: init.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${token}`,
        'X-Customer-ID': customerId,
        ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const json = async <T>(response: Response | Promise<Response>): Promise<{ status: number; body: T }> => {
    const answer = await response;
    return { status: answer.status, body: (await answer.json()) as T };
  };
  const workflowsOf = async (customer: TestCustomer, token: string) => (await json<{ document: { workflows: Array<{ id: string }> } }>(call(token, customer.id, '/workflows'))).body.document;
  const deliveriesOf = async (customer: TestCustomer, token: string, query = '') => (await json<{ deliveries: Delivery[]; next_before: string | null }>(call(token, customer.id, `/deliveries${query}`))).body;

  const good = () => ({
    workflows: [
      {
        id: 'holiday_landing',
        trigger: 'site_page_view',
        filters: { url_path: { prefix: '/landing/' }, properties: { utm_campaign: 'holiday_2024' } },
        webhook: { url: hooks.url, secret_env: 'IT_WEBHOOK_SECRET' },
      },
    ],
  });
  const bad = {
    workflows: [
      { id: 'Bad Id', trigger: 'site_page_view', filters: { url_contains: '/landing', url_path: { prefix: 'landing' } }, webhook: { url: 'ftp://hooks.example', secret_env: 'IT_WEBHOOK_SECRET' } },
    ],
  };

  beforeAll(async () => {
    // The receiver refuses the first delivery (500), so the first trigger shows a failed attempt and a retry.
    hooks = await startWebhookReceiver((index) => (index === 0 ? 500 : 200));
    a = writeTestCustomer(customersDir);
    b = writeTestCustomer(customersDir);
    aAdmin = addToken(customersDir, a, 'console-admin', ['read', 'admin', 'ingest']);
    aRead = addToken(customersDir, a, 'console-read', ['read']);
    bAdmin = addToken(customersDir, b, 'console-admin', ['read', 'admin']);
    await applyTestCustomers(env, customersDir, [a.id, b.id]);
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.automationTrigger);
    trigger = await startAutomationTrigger(env, groupId, undefined, {
      IT_WEBHOOK_SECRET: SECRET,
      WEBHOOK_RETRY_SCHEDULE: '400ms,1200ms',
      WEBHOOK_TIMEOUT_MS: '2000',
    });
    gateway = await startGateway(env, { CUSTOMERS_DIR: customersDir, CONSOLE_DIR, AUTOMATION_TRIGGER_URL: trigger.url });
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([gateway?.close(), trigger?.close(), hooks?.close()]);
  });

  it('lists the tenant’s workflows (none yet) with a read token, and nothing without one', async () => {
    expect(await json(call(aRead, a.id, '/workflows'))).toEqual({ status: 200, body: { customer_id: a.id, document: { workflows: [] } } });
    expect((await fetch(`${gateway.url}/console/api/automations/workflows`)).status).toBe(401);
  });

  it('checks a bad workflow without saving it: each bad field with its path and reason', async () => {
    const { status, body } = await json<Check>(call(aRead, a.id, '/workflows/validate', { method: 'POST', body: bad }));
    expect(status).toBe(200);
    expect(body.valid).toBe(false);
    expect(body.errors.map((error) => error.field)).toEqual([
      'workflows[0].id',
      'workflows[0].filters.url_contains',
      'workflows[0].filters.url_path.prefix',
      'workflows[0].webhook.url',
    ]);
    expect(body.errors.find((error) => error.field === 'workflows[0].filters.url_contains')?.reason).toMatch(/is not a filter: use url_path, event_name, properties/);
    // The schema's own refusals come back the same way (a trigger that is not a string).
    const typed = await json<Check>(call(aRead, a.id, '/workflows/validate', { method: 'POST', body: { workflows: [{ id: 'x', trigger: 5 }] } }));
    expect(typed.body).toMatchObject({ valid: false, errors: [{ field: 'workflows[0].trigger' }] });
    expect(await json(call(aRead, a.id, '/workflows/validate', { method: 'POST', body: good() }))).toEqual({ status: 200, body: { valid: true, errors: [], workflows: ['holiday_landing'] } });
    expect(await workflowsOf(a, aRead)).toEqual({ workflows: [] });
  });

  it('refuses to save a bad workflow (400, the same field errors) and saves nothing; a read token may not save', async () => {
    const refused = await json<{ error_code: string; details: Array<{ field: string }> }>(call(aAdmin, a.id, '/workflows', { method: 'PUT', body: bad }));
    expect(refused.status).toBe(400);
    expect(refused.body.error_code).toBe('INVALID_REQUEST');
    expect(refused.body.details.map((detail) => detail.field)).toEqual(['workflows[0].id', 'workflows[0].filters.url_contains', 'workflows[0].filters.url_path.prefix', 'workflows[0].webhook.url']);
    expect(await workflowsOf(a, aRead)).toEqual({ workflows: [] });
    expect((await call(aRead, a.id, '/workflows', { method: 'PUT', body: good() })).status).toBe(403);
    expect(await workflowsOf(a, aRead)).toEqual({ workflows: [] });
  });

  it('saves a good workflow; an event sent through the gateway fires it, and its delivery appears with each attempt', async () => {
    const saved = await json(call(aAdmin, a.id, '/workflows', { method: 'PUT', body: good() }));
    expect(saved).toEqual({ status: 200, body: { success: true, workflows: ['holiday_landing'] } });
    expect((await workflowsOf(a, aRead)).workflows.map((workflow) => workflow.id)).toEqual(['holiday_landing']);

    const sentAt = Date.now();
    const sent = await fetch(`${gateway.url}/api/v1/track`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': a.id, Authorization: `Bearer ${a.token}` },
      body: JSON.stringify({ event_type: 'page_view', event_name: 'Landing', page_url: `${a.origin}/landing/winter?utm_campaign=holiday_2024`, session_id: `s-${randomUUID()}`, consent_state: 'granted' }),
    });
    expect(sent.status).toBe(200);
    const [delivery] = (await waitFor(() => deliveriesOf(a, aRead), (page) => page.deliveries[0]?.state === 'delivered', { what: 'the delivery delivered', timeoutMs: 30_000 })).deliveries;
    console.log(`event sent → webhook delivered (after one 500): ${(hooks.received[1]?.receivedAt ?? 0) - sentAt} ms`);
    expect(delivery?.workflow_id).toBe('holiday_landing');
    expect(delivery?.attempts.map((attempt) => [attempt.attempt, attempt.status_code])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    for (const attempt of delivery?.attempts ?? []) {
      expect(attempt.duration_ms).toEqual(expect.any(Number));
      expect(Number.isNaN(Date.parse(attempt.attempted_at))).toBe(false);
    }
    expect(delivery?.attempts[0]?.error).toBe('HTTP 500');
    expect(delivery?.next_attempt_at).toBeNull();
    expect(hooks.received).toHaveLength(2);

    // Filter by state, and page.
    expect((await deliveriesOf(a, aRead, '?state=delivered')).deliveries.map((row) => row.trigger_id)).toEqual([delivery?.trigger_id]);
    expect((await deliveriesOf(a, aRead, '?state=dead')).deliveries).toEqual([]);
    const first = await deliveriesOf(a, aRead, '?limit=1');
    expect(first.deliveries).toHaveLength(1);
    expect(first.next_before).toEqual(expect.any(String));
    expect((await deliveriesOf(a, aRead, `?limit=1&before=${first.next_before}`)).deliveries).toEqual([]);
    const refused = await json<{ details: Array<{ field: string }> }>(call(aRead, a.id, '/deliveries?state=lost'));
    expect(refused.status).toBe(400);
    expect(refused.body.details.map((detail) => detail.field)).toEqual(['state']);
  });

  it('redelivers a trigger by hand: a new attempt; a read token may not', async () => {
    const [delivery] = (await deliveriesOf(a, aRead)).deliveries;
    expect((await call(aRead, a.id, `/deliveries/${encodeURIComponent(delivery?.trigger_id ?? '')}/redeliver`, { method: 'POST' })).status).toBe(403);
    const queued = await call(aAdmin, a.id, `/deliveries/${encodeURIComponent(delivery?.trigger_id ?? '')}/redeliver`, { method: 'POST' });
    expect(queued.status).toBe(202);
    const [again] = (await waitFor(() => deliveriesOf(a, aRead), (page) => page.deliveries[0]?.attempts.length === 3 && page.deliveries[0].state === 'delivered', { what: 'the third attempt' })).deliveries;
    expect(again?.attempts.map((attempt) => attempt.status_code)).toEqual([500, 200, 200]);
    expect(hooks.received).toHaveLength(3);
    expect(hooks.received[2]?.headers['webhook-id']).toBe(hooks.received[1]?.headers['webhook-id']);
    expect((await call(aAdmin, a.id, '/deliveries/no-such-trigger/redeliver', { method: 'POST' })).status).toBe(404);
  });

  it('tries a sample event with the production matcher: fires, or names the filter that failed; fires nothing', async () => {
    const before = (await deliveriesOf(a, aRead)).deliveries;
    const sample = (page_url: string, extra: Record<string, unknown> = {}) => ({ event_type: 'page_view', page_url, consent_state: 'granted', ...extra });
    const trial = (body: unknown) => json<{ accepted: boolean; results: Verdict[]; dropped?: string }>(call(aRead, a.id, '/try', { method: 'POST', body }));

    // The saved workflow: the UTM campaign comes from the page URL, as the gateway's enrichment reads it.
    expect((await trial({ event: sample('https://a.example/landing/x?utm_campaign=holiday_2024') })).body.results).toEqual([{ workflow_id: 'holiday_landing', fires: true }]);
    expect((await trial({ event: sample('https://a.example/pricing?utm_campaign=holiday_2024') })).body.results).toEqual([
      { workflow_id: 'holiday_landing', fires: false, failed_filter: 'filters.url_path', reason: 'the path "/pricing" does not match prefix "/landing/"' },
    ]);
    expect((await trial({ event: sample('https://a.example/landing/x?utm_campaign=spring') })).body.results[0]).toMatchObject({ fires: false, failed_filter: 'filters.properties.utm_campaign' });
    expect((await trial({ event: { event_type: 'signup', event_name: 'signup', consent_state: 'granted' } })).body.results[0]).toMatchObject({ fires: false, failed_filter: 'trigger' });

    // An unsaved document: a custom event on its name and a property.
    const unsaved = { workflows: [{ id: 'pro_signup', trigger: 'site_custom_event', filters: { event_name: 'signup', properties: { plan: { one_of: ['pro', 'team'] } } } }, { id: 'off', trigger: 'site_custom_event', enabled: false }] };
    const signup = (plan: string) => ({ event_type: 'form_submission', event_name: 'signup', consent_state: 'granted', properties: { plan } });
    expect((await trial({ event: signup('team'), document: unsaved })).body.results).toEqual([
      { workflow_id: 'pro_signup', fires: true },
      { workflow_id: 'off', fires: false, failed_filter: 'enabled', reason: 'the workflow is switched off (enabled: false)' },
    ]);
    expect((await trial({ event: signup('free'), document: unsaved, workflow_id: 'pro_signup' })).body.results).toEqual([
      { workflow_id: 'pro_signup', fires: false, failed_filter: 'filters.properties.plan', reason: 'plan is "free", and must be one of "pro", "team"' },
    ]);
    // A bad sample and a bad document are refused, naming the field; a sample the gateway would drop fires nothing.
    const badSample = await json<{ details: Array<{ field: string }> }>(call(aRead, a.id, '/try', { method: 'POST', body: { event: { page_url: 'x' } } }));
    expect(badSample.status).toBe(400);
    expect(badSample.body.details.map((detail) => detail.field)).toContain('event.event_type');
    const badDocument = await json<{ details: Array<{ field: string }> }>(call(aRead, a.id, '/try', { method: 'POST', body: { event: signup('pro'), document: bad } }));
    expect(badDocument.status).toBe(400);
    expect(badDocument.body.details.map((detail) => detail.field)).toContain('document.workflows[0].filters.url_contains');
    expect((await trial({ event: sample('https://a.example/landing/x', { consent_state: 'denied' }) })).body).toMatchObject({ accepted: false, dropped: 'consent_denied', results: [] });

    // Nothing fired: the same deliveries, the same webhooks.
    expect((await deliveriesOf(a, aRead)).deliveries).toEqual(before);
    expect(hooks.received).toHaveLength(3);
  });

  it("refuses another tenant: naming A with B's token, or B's console redelivering A's trigger, changes nothing", async () => {
    const [delivery] = (await deliveriesOf(a, aRead)).deliveries;
    const path = `/deliveries/${encodeURIComponent(delivery?.trigger_id ?? '')}/redeliver`;
    for (const [method, route, body] of [
      ['GET', '/workflows', undefined],
      ['GET', '/deliveries', undefined],
      ['POST', '/workflows/validate', good()],
      ['PUT', '/workflows', { workflows: [] }],
      ['POST', path, undefined],
      ['POST', '/try', { event: { event_type: 'page_view' } }],
    ] as const) {
      const status = (await call(bAdmin, a.id, route, { method, body })).status;
      expect({ method, route, status }).toEqual({ method, route, status: expect.any(Number) });
      expect([401, 403]).toContain(status);
    }
    // B's own routes act on B: A's trigger is not found, B's workflows and deliveries are its own.
    expect((await call(bAdmin, b.id, path, { method: 'POST' })).status).toBe(404);
    expect(await workflowsOf(b, bAdmin)).toEqual({ workflows: [] });
    expect((await deliveriesOf(b, bAdmin)).deliveries).toEqual([]);
    expect((await workflowsOf(a, aRead)).workflows.map((workflow) => workflow.id)).toEqual(['holiday_landing']);
    expect((await deliveriesOf(a, aRead)).deliveries[0]?.attempts).toHaveLength(3);
    expect(hooks.received).toHaveLength(3);
    // The operators' token is not a tenant credential here.
    expect((await call(TEST_ADMIN_TOKEN, a.id, '/workflows')).status).toBe(401);
  });

  describe('in the browser', () => {
    let chrome: ConsoleBrowser;
    let page: Page;

    beforeAll(async () => {
      chrome = await ConsoleBrowser.launch(gateway.url);
      page = chrome.page;
      await chrome.signIn(gateway.url, a.id, aAdmin);
    }, 60_000);

    afterAll(async () => {
      await chrome?.close();
    });

    it('shows the workflows and the deliveries with their attempts', async () => {
      await chrome.open('Automations');
      await page.getByRole('list', { name: 'Workflows' }).getByRole('button', { name: /holiday_landing/ }).waitFor();
      expect(await page.getByLabel('Id', { exact: true }).inputValue()).toBe('holiday_landing');
      expect(await page.getByLabel('URL path match').inputValue()).toBe('prefix');
      expect(await page.locator('#wf0-path').inputValue()).toBe('/landing/');
      const row = page.locator('table.deliveries tbody tr').first();
      await row.waitFor();
      expect(await row.locator('.attempt').count()).toBe(3);
      expect(await row.locator('.attempt .code').allTextContents()).toEqual(['500', '200', '200']);
      expect(await row.locator('.badge').textContent()).toBe('delivered');
      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('automations-1280x800');
      const phone = await chrome.checkPhone('automations-390x844');
      expect(phone.scrollWidth).toBeLessThanOrEqual(PHONE.width);
      expect(phone.violations).toEqual([]);
    });

    it('a workflow edit with a bad field shows the error and saves nothing', async () => {
      const before = await workflowsOf(a, aRead);
      await page.locator('#wf0-path').fill('landing/');
      const error = page.locator('#wf0-path-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('workflows[0].filters.url_path.prefix must start with "/"');
      expect(await page.locator('#wf0-path').getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByRole('status').filter({ hasText: 'field(s) to fix' }).count()).toBe(1);
      await page.getByLabel('Webhook URL').fill('ftp://hooks.example');
      await page.locator('#wf0-url-error').waitFor();
      expect(await page.locator('#wf0-url-error').textContent()).toContain('must be an http(s) URL');
      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('automations-field-errors-1280x800');

      await page.getByRole('button', { name: 'Save workflows' }).click();
      await page.getByRole('alert').filter({ hasText: 'Not saved' }).waitFor();
      expect(await page.locator('#wf0-path-error').count()).toBe(1);
      expect(await workflowsOf(a, aRead)).toEqual(before);

      await page.getByRole('button', { name: 'Discard changes' }).click();
      await waitFor(() => page.locator('#wf0-path').inputValue(), (value) => value === '/landing/', { what: 'the saved path back' });
      expect(await page.locator('#wf0-path-error').count()).toBe(0);
      expect(await page.getByRole('alert').filter({ hasText: 'Not saved' }).count()).toBe(0);
    });

    it('tries the sample against the edited workflows and says which filter failed', async () => {
      await page.getByLabel('Page URL').fill('https://a.example/pricing?utm_campaign=holiday_2024');
      await page.getByRole('button', { name: 'Try the sample' }).click();
      const verdict = page.locator('.verdicts li').first();
      await verdict.waitFor();
      expect(await verdict.textContent()).toContain('does not fire');
      expect(await verdict.textContent()).toContain('filters.url_path: the path "/pricing" does not match prefix "/landing/"');
      await page.getByLabel('Page URL').fill('https://a.example/landing/x?utm_campaign=holiday_2024');
      await page.getByRole('button', { name: 'Try the sample' }).click();
      await page.locator('.verdicts li .badge', { hasText: /^fires$/ }).waitFor();
      expect(await chrome.axeViolations()).toEqual([]);
    });

    it('redelivers from the deliveries table: a fourth attempt appears', async () => {
      const row = page.locator('table.deliveries tbody tr').first();
      await row.getByRole('button', { name: /Redeliver/ }).click();
      await page.getByRole('status').filter({ hasText: 'queued for redelivery' }).waitFor();
      await waitFor(() => row.locator('.attempt').count(), (n) => n === 4, { what: 'the fourth attempt on the page', timeoutMs: 20_000 });
      expect(hooks.received).toHaveLength(4);
      await chrome.screenshot('automations-redelivered-1280x800');
    });

    it('had no console error and no CSP violation', async () => {
      expect(await chrome.cspViolations()).toEqual([]);
      expect(chrome.problems).toEqual([]);
      mkdirSync(DOCS, { recursive: true });
      copyFileSync(join(ARTIFACTS, 'automations-1280x800.png'), join(DOCS, 'automations-1280x800.png'));
      copyFileSync(join(ARTIFACTS, 'automations-field-errors-1280x800.png'), join(DOCS, 'automations-field-errors-1280x800.png'));
    });
  });
});
