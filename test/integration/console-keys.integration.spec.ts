import { Pool } from 'pg';
import type { Page } from 'playwright-core';
import { CONSOLE_DIR, ConsoleBrowser, PHONE, addToken } from '@test/support/console-browser';
import { TEST_ADMIN_TOKEN, startGateway, type RunningService } from '@test/support/in-process-services';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

/**
 * The console's Keys page and its tenant-scoped API (issue 21): /console/api/keys against the real
 * gateway and PostgreSQL (create, rotate with overlap, revoke; scopes honoured wherever a token is
 * checked; one tenant never reaches another's keys), then the page in Debian's Chromium.
 */

interface KeyView {
  key_id: string;
  customer_id: string;
  publishable_key: string;
  description: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  rotated_from: string | null;
  rotated_at: string | null;
  last_used_at: string | null;
  scopes: string[];
  status: string;
}
interface IssuedKey extends KeyView {
  secret: string;
}
interface KeyList {
  customer_id: string;
  keys: KeyView[];
  browser: { publishable_keys: string[]; allowed_origins: string[]; script: { url: string; integrity: string } | null };
}
interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}
interface Session {
  cookie: string;
  csrf: string;
}

describe('console Keys page and /console/api/keys (issue 21)', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  let gateway: RunningService;
  let db: Pool;
  let a: TestCustomer;
  let b: TestCustomer;
  /** A's tokens by scope: admin ([ingest, read, admin]) and read only. */
  let aAdmin: string;
  let aRead: string;
  let aIngest: string;
  let bAdmin: string;

  const bearer = (customerId: string, token: string): Record<string, string> => ({ 'X-Customer-ID': customerId, Authorization: `Bearer ${token}` });

  async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Not JSON: the test reads text.
    }
    return { status: response.status, body: parsed, text };
  }

  async function signIn(credentials: object): Promise<Session> {
    const response = await fetch(`${gateway.url}/console/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(credentials) });
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().find((header) => header.startsWith('console_session='))?.split(';')[0] ?? '';
    return { cookie, csrf: ((await response.json()) as { csrf_token: string }).csrf_token };
  }
  const withSession = (session: Session, extra: Record<string, string> = {}): Record<string, string> => ({ Cookie: session.cookie, 'X-CSRF-Token': session.csrf, ...extra });

  /** An event sent with a key's secret: 200 once Kafka acknowledged it. */
  const track = (customer: TestCustomer, secret: string) =>
    call('POST', '/api/v1/track', bearer(customer.id, secret), { event_type: 'page_view', page_url: `${customer.origin}/keys-spec`, consent_state: 'granted' });
  const create = async (headers: Record<string, string>, body: object = {}): Promise<IssuedKey> => {
    const answer = await call('POST', '/console/api/keys', headers, body);
    expect({ status: answer.status, error: answer.body['error'] }).toEqual({ status: 201, error: undefined });
    return answer.body as unknown as IssuedKey;
  };
  const rows = async (customerId: string) =>
    (await db.query('SELECT key_id, revoked_at, expires_at, rotated_at, scopes FROM gateway.tracking_keys WHERE customer_id = $1 ORDER BY key_id', [customerId])).rows;

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    a = writeTestCustomer(customersDir);
    b = writeTestCustomer(customersDir);
    aAdmin = addToken(customersDir, a, 'console-admin', ['ingest', 'read', 'admin']);
    aRead = addToken(customersDir, a, 'console-read', ['read']);
    aIngest = addToken(customersDir, a, 'servers', ['ingest']);
    bAdmin = addToken(customersDir, b, 'console-admin', ['ingest', 'read', 'admin']);
    gateway = await startGateway(env, { CUSTOMERS_DIR: customersDir, CONSOLE_DIR, TRACKING_KEY_CACHE_REFRESH_SECONDS: '1' });
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await db?.end();
  });

  describe('the API', () => {
    it('creates a key with the admin scope whose secret, shown only in that answer, ingests an event that is accepted', async () => {
      const issued = await create(bearer(a.id, aAdmin), { description: 'api spec' });
      expect(issued).toMatchObject({
        customer_id: a.id,
        description: 'api spec',
        scopes: ['ingest', 'read'],
        status: 'active',
        secret: expect.stringMatching(/^sk_live_[0-9a-f]{48}$/),
        publishable_key: expect.stringMatching(/^pk_live_/),
      });
      const sent = await track(a, issued.secret);
      expect({ status: sent.status, success: sent.body['success'] }).toEqual({ status: 200, success: true });

      // Stored hashed, as the keys API does: the secret is nowhere in the table.
      const stored = await db.query<{ row: string }>('SELECT row_to_json(k)::text AS row FROM gateway.tracking_keys k WHERE key_id = $1', [issued.key_id]);
      expect(stored.rows[0]?.row).toBeDefined();
      expect(stored.rows[0]?.row).not.toContain(issued.secret);

      // Listed (with the read scope) without its secret, with its use recorded.
      const listed = await waitFor(
        async () => (await call('GET', '/console/api/keys', bearer(a.id, aRead))).body as unknown as KeyList,
        (list) => Boolean(list.keys?.find((key) => key.key_id === issued.key_id)?.last_used_at),
        { what: 'the key listed with last_used_at', timeoutMs: 15_000 },
      );
      expect(JSON.stringify(listed)).not.toContain(issued.secret);
      expect(JSON.stringify(listed)).not.toMatch(/secret/);
      expect(listed.browser).toEqual({
        publishable_keys: [a.publishableKey],
        allowed_origins: [a.origin],
        script: { url: expect.stringMatching(/^\/js\/v\d+\.\d+\.\d+\/tracking\.min\.js$/), integrity: expect.stringMatching(/^sha384-/) },
      });
    });

    it('honours the chosen scopes wherever a token is checked', async () => {
      const readOnly = await create(bearer(a.id, aAdmin), { description: 'reader', scopes: ['read'] });
      expect(readOnly.scopes).toEqual(['read']);
      const refused = await track(a, readOnly.secret);
      expect({ status: refused.status, code: refused.body['error_code'], error: refused.body['error'] }).toEqual({ status: 403, code: 'FORBIDDEN', error: 'This token has no ingest scope' });
      expect((await call('GET', '/console/api/keys', bearer(a.id, readOnly.secret))).status).toBe(200);
      // Its publishable half sends nothing either.
      const collect = await call('POST', `/api/v1/tracking/collect?customer_id=${a.id}&key=${readOnly.publishable_key}`, { Origin: a.origin }, { event_type: 'page_view' });
      expect({ status: collect.status, error: collect.body['error'] }).toEqual({ status: 403, error: 'This key has no ingest scope' });

      // A key created with admin manages keys itself; scopes come back in canonical order.
      const manager = await create(bearer(a.id, aAdmin), { scopes: ['admin', 'read'] });
      expect(manager.scopes).toEqual(['read', 'admin']);
      const byManager = await create(bearer(a.id, manager.secret), { description: 'made by a key' });
      expect(byManager.scopes).toEqual(['ingest', 'read']);
      // The operators' keys API chooses scopes too.
      const operatorMade = await call('POST', '/api/v1/tracking/keys', { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, { customer_id: a.id, scopes: ['ingest'] });
      expect(operatorMade.body).toMatchObject({ scopes: ['ingest'] });
      expect((await call('GET', '/console/api/keys', bearer(a.id, String(operatorMade.body['secret'])))).body).toMatchObject({ error: 'This token has no read scope' });
    });

    it('refuses create, rotate and revoke to a read-scoped token or session: 403 "… has no admin scope", nothing changed', async () => {
      const target = await create(bearer(a.id, aAdmin), { description: 'not to be touched' });
      const before = await rows(a.id);
      const readSession = await signIn({ customer_id: a.id, token: aRead });
      const attempts: Array<[string, string, string, Record<string, string>, unknown]> = [
        ['token: create', 'POST', '/console/api/keys', bearer(a.id, aRead), {}],
        ['token: rotate', 'POST', `/console/api/keys/${target.key_id}/rotate`, bearer(a.id, aRead), {}],
        ['token: revoke', 'DELETE', `/console/api/keys/${target.key_id}`, bearer(a.id, aRead), undefined],
        ['session: create', 'POST', '/console/api/keys', withSession(readSession), {}],
        ['session: rotate', 'POST', `/console/api/keys/${target.key_id}/rotate`, withSession(readSession), {}],
        ['session: revoke', 'DELETE', `/console/api/keys/${target.key_id}`, withSession(readSession), undefined],
      ];
      for (const [name, method, path, headers, body] of attempts) {
        const answer = await call(method, path, headers, body);
        expect({ name, status: answer.status, code: answer.body['error_code'], error: answer.body['error'] }).toEqual({
          name,
          status: 403,
          code: 'FORBIDDEN',
          error: expect.stringMatching(/has no admin scope$/),
        });
      }
      // The read session does list, read-only.
      expect((await call('GET', '/console/api/keys', { Cookie: readSession.cookie })).status).toBe(200);
      // An ingest-only token has no read scope: it does not even list.
      expect((await call('GET', '/console/api/keys', bearer(a.id, aIngest))).body).toMatchObject({ error_code: 'FORBIDDEN', error: 'This token has no read scope' });
      expect(await rows(a.id)).toEqual(before);
      expect((await track(a, target.secret)).status).toBe(200);
    });

    it('rotates through an admin session with an overlap during which both secrets work, then revokes at once', async () => {
      const session = await signIn({ customer_id: a.id, token: aAdmin });
      const old = await create(withSession(session), { description: 'rotated in the spec', scopes: ['ingest', 'read'] });
      // Without the CSRF header the cookie alone changes nothing.
      expect((await call('POST', `/console/api/keys/${old.key_id}/rotate`, { Cookie: session.cookie }, {})).status).toBe(403);

      const rotated = await call('POST', `/console/api/keys/${old.key_id}/rotate`, withSession(session), { overlap_seconds: 3600 });
      expect(rotated.status).toBe(201);
      const { key, previous } = rotated.body as unknown as { key: IssuedKey; previous: KeyView };
      expect(key).toMatchObject({ rotated_from: old.key_id, scopes: ['ingest', 'read'], description: 'rotated in the spec', secret: expect.stringMatching(/^sk_live_/) });
      expect(key.secret).not.toBe(old.secret);
      expect(previous).toMatchObject({ key_id: old.key_id, status: 'expiring', rotated_at: expect.any(String) });
      expect(previous).not.toHaveProperty('secret');
      // The overlap is exactly what was asked, from the rotation's own clock.
      expect(Date.parse(previous.expires_at ?? '') - Date.parse(previous.rotated_at ?? '')).toBe(3_600_000);
      expect((await track(a, old.secret)).status).toBe(200);
      expect((await track(a, key.secret)).status).toBe(200);

      // No body: the default overlap, one day.
      const byDefault = await call('POST', `/console/api/keys/${key.key_id}/rotate`, bearer(a.id, aAdmin));
      expect(byDefault.status).toBe(201);
      const defaultPrevious = (byDefault.body as unknown as { previous: KeyView }).previous;
      expect(Date.parse(defaultPrevious.expires_at ?? '') - Date.parse(defaultPrevious.rotated_at ?? '')).toBe(86_400_000);
      const third = (byDefault.body as unknown as { key: IssuedKey }).key;

      const list = (await call('GET', '/console/api/keys', { Cookie: session.cookie })).body as unknown as KeyList;
      const listed = new Map(list.keys.map((item) => [item.key_id, item]));
      expect(listed.get(old.key_id)).toMatchObject({ status: 'expiring', rotated_at: expect.any(String) });
      expect(listed.get(key.key_id)).toMatchObject({ rotated_from: old.key_id, status: 'expiring' });
      expect(listed.get(third.key_id)).toMatchObject({ rotated_from: key.key_id, status: 'active', rotated_at: null });
      for (const secret of [old.secret, key.secret, third.secret]) expect(JSON.stringify(list)).not.toContain(secret);

      const revoked = await call('DELETE', `/console/api/keys/${old.key_id}`, withSession(session));
      expect(revoked.body).toMatchObject({ key_id: old.key_id, status: 'revoked', revoked_at: expect.any(String) });
      const afterRevoke = await track(a, old.secret);
      expect({ status: afterRevoke.status, code: afterRevoke.body['error_code'] }).toEqual({ status: 401, code: 'UNAUTHORIZED' });
      expect((await track(a, key.secret)).status).toBe(200);
      // A revoked key is not rotated back to life.
      expect((await call('POST', `/console/api/keys/${old.key_id}/rotate`, withSession(session), {})).status).toBe(409);
    });

    it('names the field of a bad body', async () => {
      const cases: Array<[unknown, string]> = [
        [{ scopes: ['write'] }, 'scopes[0]'],
        [{ scopes: [] }, 'scopes'],
        [{ scopes: ['read', 'read'] }, 'scopes'],
        [{ description: 7 }, 'description'],
        [{ customer_id: b.id }, 'customer_id'],
      ];
      for (const [body, field] of cases) {
        const answer = await call('POST', '/console/api/keys', bearer(a.id, aAdmin), body);
        expect({ body, status: answer.status, code: answer.body['error_code'], field: (answer.body['details'] as Array<{ field: string }> | undefined)?.[0]?.field }).toEqual({
          body,
          status: 400,
          code: 'INVALID_REQUEST',
          field,
        });
      }
      const overlap = await call('POST', '/console/api/keys/key_0000/rotate', bearer(a.id, aAdmin), { overlap_seconds: -1 });
      expect({ status: overlap.status, field: (overlap.body['details'] as Array<{ field: string }>)[0]?.field }).toEqual({ status: 400, field: 'overlap_seconds' });
    });

    it("never lets one customer list, rotate or revoke another's key: refused, nothing changed", async () => {
      const aKey = await create(bearer(a.id, aAdmin), { description: "A's key B goes after" });
      await create(bearer(b.id, bAdmin), { description: "B's own" });
      const aBefore = await rows(a.id);
      const bBefore = await rows(b.id);
      const bSession = await signIn({ customer_id: b.id, token: bAdmin });

      const attempts: Array<[string, string, string, Record<string, string>, unknown, number]> = [
        // Authenticated as B, acting on B's tenant, naming A's key id: not found.
        ["B's token rotates A's key", 'POST', `/console/api/keys/${aKey.key_id}/rotate`, bearer(b.id, bAdmin), { overlap_seconds: 0 }, 404],
        ["B's token revokes A's key", 'DELETE', `/console/api/keys/${aKey.key_id}`, bearer(b.id, bAdmin), undefined, 404],
        ["B's session rotates A's key", 'POST', `/console/api/keys/${aKey.key_id}/rotate`, withSession(bSession), {}, 404],
        ["B's session revokes A's key", 'DELETE', `/console/api/keys/${aKey.key_id}`, withSession(bSession), undefined, 404],
        // B's credential naming A: refused before anything is read.
        ["B's token naming A: list", 'GET', '/console/api/keys', bearer(a.id, bAdmin), undefined, 403],
        ["B's token naming A: create", 'POST', '/console/api/keys', bearer(a.id, bAdmin), {}, 403],
        ["B's token naming A: revoke", 'DELETE', `/console/api/keys/${aKey.key_id}`, bearer(a.id, bAdmin), undefined, 403],
        ["B's session naming A: list", 'GET', `/console/api/keys?customer_id=${a.id}`, { Cookie: bSession.cookie }, undefined, 403],
        ["B's session naming A: create", 'POST', '/console/api/keys', withSession(bSession, { 'X-Customer-ID': a.id }), {}, 403],
        ["B's session naming A: rotate", 'POST', `/console/api/keys/${aKey.key_id}/rotate?customer_id=${a.id}`, withSession(bSession), {}, 403],
        ["B's session naming A: revoke", 'DELETE', `/console/api/keys/${aKey.key_id}?customer_id=${a.id}`, withSession(bSession), undefined, 403],
        // A key secret of A is no credential for B.
        ["A's key secret as B", 'GET', '/console/api/keys', bearer(b.id, aKey.secret), undefined, 403],
      ];
      for (const [name, method, path, headers, body, status] of attempts) {
        const answer = await call(method, path, headers, body);
        expect({ name, status: answer.status, success: answer.body['success'] }).toEqual({ name, status, success: false });
        expect({ name, leaked: [aKey.secret, aKey.publishable_key, aKey.description ?? ''].filter((text) => answer.text.includes(text)) }).toEqual({ name, leaked: [] });
      }
      expect(await rows(a.id)).toEqual(aBefore);
      expect(await rows(b.id)).toEqual(bBefore);
      expect((await track(a, aKey.secret)).status).toBe(200);

      // B's list holds B's keys only.
      const bList = (await call('GET', '/console/api/keys', { Cookie: bSession.cookie })).body as unknown as KeyList;
      expect(bList.customer_id).toBe(b.id);
      expect(bList.keys.length).toBeGreaterThan(0);
      expect(bList.keys.filter((key) => key.customer_id !== b.id)).toEqual([]);
      expect(JSON.stringify(bList)).not.toContain(aKey.key_id);
    });

    it('lets an operator session work on the customer it names, and asks for one', async () => {
      const operator = await signIn({ operator_token: TEST_ADMIN_TOKEN });
      const missing = await call('GET', '/console/api/keys', { Cookie: operator.cookie });
      expect({ status: missing.status, field: (missing.body['details'] as Array<{ field: string }>)[0]?.field }).toEqual({ status: 400, field: 'customer_id' });
      const made = await create(withSession(operator, { 'X-Customer-ID': b.id }), { description: 'by the operator', scopes: ['ingest'] });
      expect(made.customer_id).toBe(b.id);
      const list = (await call('GET', `/console/api/keys?customer_id=${b.id}`, { Cookie: operator.cookie })).body as unknown as KeyList;
      expect(list.keys.map((key) => key.key_id)).toContain(made.key_id);
    });
  });

  describe('the Keys page in the browser', () => {
    let chrome: ConsoleBrowser;
    let page: Page;

    beforeAll(async () => {
      chrome = await ConsoleBrowser.launch(gateway.url);
      page = chrome.page;
      await chrome.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway.url });
    }, 60_000);

    afterAll(async () => {
      await chrome?.close();
    });

    const card = (keyId: string) => page.locator(`article.key-card[data-key-id="${keyId}"]`);
    const secretOnScreen = async () => (await page.locator('.secret-panel code.secret').textContent())?.trim() ?? '';

    it('signs in with an admin-scoped token, creates a key and shows its secret once, with a copy button', async () => {
      await chrome.signIn(gateway.url, a.id, aAdmin);
      await chrome.open('Keys');
      await page.waitForURL((url) => url.pathname === '/console/keys');
      await page.locator('article.key-card').first().waitFor();
      expect(await page.getByRole('note').count()).toBe(0);

      await page.getByLabel('Description', { exact: true }).fill('browser spec key');
      await page.getByLabel('admin: manage keys', { exact: false }).check();
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByRole('heading', { name: /Key created: copy its secret now/ }).waitFor();
      expect(await page.locator('.secret-panel').textContent()).toContain('You will not see this secret again.');
      const secret = await secretOnScreen();
      expect(secret).toMatch(/^sk_live_[0-9a-f]{48}$/);
      expect((await track(a, secret)).status).toBe(200);

      await page.getByRole('button', { name: 'Copy secret' }).click();
      await page.locator('.secret-panel').getByRole('status').filter({ hasText: 'Copied' }).waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

      const created = await waitFor(
        async () => ((await call('GET', '/console/api/keys', bearer(a.id, aRead))).body as unknown as KeyList).keys.find((key) => key.description === 'browser spec key'),
        (key) => key !== undefined,
      );
      expect(created?.scopes).toEqual(['ingest', 'read', 'admin']);
      await card(created?.key_id ?? '').waitFor();

      // The snippets: curl and Node to /api/v1/track with this customer, the site snippet with its publishable key.
      const snippets = (await page.locator('.snippets').textContent()) ?? '';
      expect(snippets).toContain(`${gateway.url}/api/v1/track`);
      expect(snippets).toContain(`X-Customer-ID: ${a.id}`);
      expect(snippets).toContain('@tracking-platform/node');
      expect(snippets).toContain(`data-key="${a.publishableKey}"`);
      expect(snippets).toContain('integrity="sha384-');
      expect(snippets).not.toContain(secret);

      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('keys-created-1280x800');
      const phone = await chrome.checkPhone('keys-created-390x844');
      expect({ scrollWidth: phone.scrollWidth <= PHONE.width, violations: phone.violations }).toEqual({ scrollWidth: true, violations: [] });

      // Gone after a reload: the page kept it in memory only.
      await page.reload();
      await page.getByRole('heading', { name: 'Keys', level: 1 }).waitFor();
      await card(created?.key_id ?? '').waitFor();
      expect(await page.locator('.secret-panel').count()).toBe(0);
      expect(await page.content()).not.toContain(secret);
      expect(await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length }))).toEqual({ local: 0, session: 0 });
    });

    it('rotates with the chosen overlap (both secrets work) and revokes after a confirmation', async () => {
      const before = ((await call('GET', '/console/api/keys', bearer(a.id, aRead))).body as unknown as KeyList).keys.find((key) => key.description === 'browser spec key');
      const keyId = before?.key_id ?? '';
      // The page shows a secret only once, so the rotation on the page is of a key whose secret the test holds.
      const held = await create(bearer(a.id, aAdmin), { description: 'rotated on the page' });
      await page.reload();
      await card(held.key_id).waitFor();

      await card(held.key_id).getByRole('button', { name: 'Rotate…' }).click();
      await card(held.key_id).getByLabel('Keep the old secret working for').selectOption({ label: '1 hour' });
      await card(held.key_id).getByRole('button', { name: 'Rotate key' }).click();
      await page.getByRole('heading', { name: /Key rotated: copy its secret now/ }).waitFor();
      const fresh = await secretOnScreen();
      expect(fresh).toMatch(/^sk_live_/);
      expect(fresh).not.toBe(held.secret);
      expect((await track(a, held.secret)).status).toBe(200);
      expect((await track(a, fresh)).status).toBe(200);
      const afterRotation = ((await call('GET', '/console/api/keys', bearer(a.id, aRead))).body as unknown as KeyList).keys;
      const previous = afterRotation.find((key) => key.key_id === held.key_id);
      expect(Date.parse(previous?.expires_at ?? '') - Date.parse(previous?.rotated_at ?? '')).toBe(3_600_000);
      const successor = afterRotation.find((key) => key.rotated_from === held.key_id);
      await card(held.key_id).getByText(`replaced by ${successor?.key_id ?? '?'}`).waitFor();
      await page.getByRole('button', { name: 'I have saved it' }).click();
      expect(await page.locator('.secret-panel').count()).toBe(0);

      // Revoke asks first; Cancel changes nothing.
      await card(keyId).getByRole('button', { name: 'Revoke…' }).click();
      await card(keyId).getByRole('button', { name: 'Cancel' }).click();
      expect(((await call('GET', '/console/api/keys', bearer(a.id, aRead))).body as unknown as KeyList).keys.find((key) => key.key_id === keyId)?.status).toBe('active');
      await card(successor?.key_id ?? '').getByRole('button', { name: 'Revoke…' }).click();
      expect(await card(successor?.key_id ?? '').textContent()).toContain('This cannot be undone.');
      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('keys-revoke-confirm-1280x800');
      await card(successor?.key_id ?? '').getByRole('button', { name: 'Revoke key' }).click();
      await card(successor?.key_id ?? '').locator('.badge.status-revoked').waitFor();
      const refused = await track(a, fresh);
      expect(refused.status).toBe(401);
      expect(await card(successor?.key_id ?? '').getByRole('button', { name: 'Rotate…' }).count()).toBe(0);
      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('keys-1280x800');
      const phone = await chrome.checkPhone('keys-390x844');
      expect({ fits: phone.scrollWidth <= PHONE.width, violations: phone.violations }).toEqual({ fits: true, violations: [] });
    });

    it('shows a session without admin the list read-only and tells it why', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to the tracking console' }).waitFor();
      await chrome.signIn(gateway.url, a.id, aRead);
      await chrome.open('Keys');
      await page.locator('article.key-card').first().waitFor();
      expect(await page.getByRole('note').textContent()).toContain('no admin scope');
      expect(await page.getByRole('heading', { name: 'Create a key' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /Rotate|Revoke/ }).count()).toBe(0);
      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('keys-read-only-1280x800');
      const phone = await chrome.checkPhone('keys-read-only-390x844');
      expect({ fits: phone.scrollWidth <= PHONE.width, violations: phone.violations }).toEqual({ fits: true, violations: [] });
    });

    it('had no console error and no CSP violation', async () => {
      expect(await chrome.cspViolations()).toEqual([]);
      expect(chrome.problems).toEqual([]);
    });
  });
});
