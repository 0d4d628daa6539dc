import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, tenantHashKey } from '@tracking/contracts';
import { addToken } from '@test/support/console-browser';
import { consoleCall, type ConsoleAnswer } from '@test/support/console-http';
import { TEST_ADMIN_TOKEN, startGateway, startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

type Answer = ConsoleAnswer;

/** name=value of each Set-Cookie, and the whole header by name. */
const cookieValue = (cookies: string[], name: string): string | undefined => cookies.find((cookie) => cookie.startsWith(`${name}=`))?.split(';')[0]?.slice(name.length + 1);
const cookieHeader = (cookies: string[], name: string): string | undefined => cookies.find((cookie) => cookie.startsWith(`${name}=`));

describe('console sessions (issue 21)', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const groupId = `it-console-${randomUUID()}`;
  const consoleDir = mkdtempSync(join(tmpdir(), 'console-dist-'));
  const emptyConsoleDir = mkdtempSync(join(tmpdir(), 'console-none-'));
  let gateways: RunningService[] = [];
  let strict: RunningService;
  let loader: RunningService;
  let db: Pool;
  let a: TestCustomer;
  let b: TestCustomer;
  let ingestOnly: string;
  let readOnly: string;

  const call = (gateway: RunningService, method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<Answer> =>
    consoleCall(gateway.url, method, path, options);

  interface Session {
    cookie: string;
    csrf: string;
    answer: Answer;
  }

  async function signIn(credentials: object, gateway: RunningService = gateways[0]): Promise<Session> {
    const answer = await call(gateway, 'POST', '/console/api/session', { body: credentials });
    expect(answer.status).toBe(200);
    return { cookie: `console_session=${cookieValue(answer.cookies, 'console_session')}`, csrf: String(answer.body['csrf_token']), answer };
  }

  const post = (customer: TestCustomer, count: number) =>
    fetch(`${gateways[0].url}/api/v1/track/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': customer.id, Authorization: `Bearer ${customer.token}` },
      body: JSON.stringify({
        events: Array.from({ length: count }, (_, i) => ({
          event_type: 'page_view',
          event_name: `console ${i}`,
          page_url: `${customer.origin}/console-${i}`,
          session_id: `console-${customer.id}`,
          occurred_at: new Date(Date.now() - 30_000 - i * 1000).toISOString(),
          consent_state: 'granted',
        })),
      }),
    });
  const staged = async (customer: TestCustomer) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1', [tenantHashKey(customer.id)])).rows[0].n;

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    a = writeTestCustomer(customersDir);
    b = writeTestCustomer(customersDir);
    ingestOnly = addToken(customersDir, a, 'ingest-only', ['ingest']);
    readOnly = addToken(customersDir, a, 'read-only', ['read']);
    mkdirSync(join(consoleDir, 'assets'));
    writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/console/assets/app.js"></script>');
    writeFileSync(join(consoleDir, 'assets', 'app.js'), 'console.log("console");');
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.vaultLoader);
    const settings = { CUSTOMERS_DIR: customersDir, CONSOLE_DIR: consoleDir, CONSOLE_SIGN_IN_RATE_LIMIT_PER_MINUTE: '1000' };
    let first: RunningService;
    let second: RunningService;
    [first, second, strict, loader] = await Promise.all([
      startGateway(env, settings),
      startGateway(env, settings),
      startGateway(env, { CUSTOMERS_DIR: customersDir, CONSOLE_DIR: emptyConsoleDir, CONSOLE_SIGN_IN_RATE_LIMIT_PER_MINUTE: '3' }),
      startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir }),
    ]);
    gateways = [first, second];
    expect((await post(a, 3)).status).toBe(200);
    expect((await post(b, 2)).status).toBe(200);
    await waitFor(async () => [await staged(a), await staged(b)], ([mine, theirs]) => mine === 3 && theirs === 2, { what: 'both tenants staged', timeoutMs: 60_000 });
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([...gateways.map((gateway) => gateway.close()), strict?.close(), loader?.close()]);
    await db?.end();
  });

  describe('sign-in', () => {
    it('answers the session and sets an HttpOnly, SameSite=Strict session cookie and a readable CSRF cookie (no Secure on 127.0.0.1)', async () => {
      const { answer, csrf } = await signIn({ customer_id: a.id, token: a.token });
      expect(answer.body).toEqual({ role: 'customer', customer_id: a.id, scopes: ['ingest', 'read'], csrf_token: csrf });
      const session = cookieHeader(answer.cookies, 'console_session') ?? '';
      expect(session).toMatch(/^console_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; SameSite=Strict; HttpOnly$/);
      expect(cookieHeader(answer.cookies, 'console_csrf')).toBe(`console_csrf=${csrf}; Path=/; Max-Age=28800; SameSite=Strict`);
    });

    it('marks the cookies Secure for any host but localhost', async () => {
      const answer = await gateways[0].app.inject({
        method: 'POST',
        url: '/console/api/session',
        headers: { host: 'tracking.example.com', 'content-type': 'application/json' },
        payload: JSON.stringify({ customer_id: a.id, token: a.token }),
      });
      expect(answer.statusCode).toBe(200);
      const cookies = [answer.headers['set-cookie']].flat().map(String);
      expect(cookies).toHaveLength(2);
      for (const cookie of cookies) expect(cookie).toContain('; Secure');
    });

    it('keeps only the SHA-256 of the session id in the database', async () => {
      const { cookie } = await signIn({ customer_id: a.id, token: a.token });
      const id = cookie.slice('console_session='.length);
      const stored = await db.query(`SELECT role, customer_id FROM gateway.console_sessions WHERE id_sha256 = $1`, [createHash('sha256').update(id).digest()]);
      expect(stored.rows).toEqual([{ role: 'customer', customer_id: a.id }]);
      const raw = await db.query(`SELECT count(*)::int AS n FROM gateway.console_sessions WHERE encode(id_sha256, 'escape') LIKE $1 OR csrf_token = $2`, [`%${id}%`, id]);
      expect(raw.rows[0]).toEqual({ n: 0 });
    });

    it('gives the same 401 for a wrong token, an unknown customer and a wrong operator token', async () => {
      const refusals = await Promise.all([
        call(gateways[0], 'POST', '/console/api/session', { body: { customer_id: a.id, token: b.token } }),
        call(gateways[0], 'POST', '/console/api/session', { body: { customer_id: `nobody_${randomUUID().slice(0, 8)}`, token: a.token } }),
        call(gateways[0], 'POST', '/console/api/session', { body: { operator_token: `${TEST_ADMIN_TOKEN}x` } }),
      ]);
      const shapes = refusals.map((answer) => ({ ...answer.body, timestamp: undefined, status: answer.status, cookies: answer.cookies }));
      expect(shapes[0]).toMatchObject({ status: 401, error_code: 'UNAUTHORIZED', error: 'Invalid console credentials', customer_id: null, cookies: [] });
      expect(shapes[1]).toEqual(shapes[0]);
      expect(shapes[2]).toEqual(shapes[0]);
    });

    it('refuses an ingestion-only token: no console, no read API, but it still sends events', async () => {
      const console = await call(gateways[0], 'POST', '/console/api/session', { body: { customer_id: a.id, token: ingestOnly } });
      expect(console).toMatchObject({ status: 403, body: { error_code: 'FORBIDDEN' }, cookies: [] });
      const bearer = { 'X-Customer-ID': a.id, Authorization: `Bearer ${ingestOnly}` };
      for (const path of ['/api/v1/track/status', '/api/v1/track/dashboard', '/api/v1/tracking/analytics', '/api/v1/tracking/analytics/export', '/console/api/overview']) {
        expect({ path, ...(await call(gateways[0], 'GET', path, { headers: bearer })) }).toMatchObject({ path, status: 403, body: { error_code: 'FORBIDDEN' } });
      }
      const event = { event_type: 'page_view', page_url: `${a.origin}/ingest-only`, session_id: 'ingest-only', occurred_at: new Date().toISOString(), consent_state: 'granted' };
      expect((await call(gateways[0], 'POST', '/api/v1/track', { body: event, headers: bearer })).status).toBe(200);
    });

    it('lets a read-only token open the console and read, but not send events', async () => {
      const { answer } = await signIn({ customer_id: a.id, token: readOnly });
      expect(answer.body).toMatchObject({ role: 'customer', scopes: ['read'] });
      const bearer = { 'X-Customer-ID': a.id, Authorization: `Bearer ${readOnly}` };
      expect((await call(gateways[0], 'GET', '/api/v1/track/status', { headers: bearer })).status).toBe(200);
      const event = { event_type: 'page_view', page_url: `${a.origin}/read-only`, session_id: 'read-only', occurred_at: new Date().toISOString(), consent_state: 'granted' };
      expect(await call(gateways[0], 'POST', '/api/v1/track', { body: event, headers: bearer })).toMatchObject({ status: 403, body: { error_code: 'FORBIDDEN' } });
    });

    it("signs in with a key made through the keys API, of its own tenant and with read, until the key is revoked", async () => {
      const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
      const issue = async (customer: TestCustomer, scopes: string[]) => {
        const answer = await call(gateways[0], 'POST', '/api/v1/tracking/keys', { body: { customer_id: customer.id, scopes }, headers: admin });
        expect(answer.status).toBe(201);
        return { keyId: String(answer.body['key_id']), secret: String(answer.body['secret']) };
      };
      const readKey = await issue(a, ['read']);
      const ingestKey = await issue(a, ['ingest']);
      const otherTenantsKey = await issue(b, ['read', 'admin']);

      const session = await signIn({ customer_id: a.id, token: readKey.secret });
      expect(session.answer.body).toMatchObject({ role: 'customer', customer_id: a.id, scopes: ['read'] });
      expect((await call(gateways[0], 'GET', '/console/api/overview', { headers: { Cookie: session.cookie } })).status).toBe(200);
      // Another instance knows the key from its next key refresh (TRACKING_KEY_CACHE_REFRESH_SECONDS, 10), as for bearer calls.
      await waitFor(async () => (await call(gateways[1], 'GET', '/console/api/overview', { headers: { Cookie: session.cookie } })).status, (status) => status === 200, {
        what: 'the key session on the second instance',
        timeoutMs: 30_000,
      });
      expect(await call(gateways[0], 'POST', '/console/api/session', { body: { customer_id: a.id, token: ingestKey.secret } })).toMatchObject({ status: 403, cookies: [] });
      // B's key names B: presented for A it is the same 401 as any wrong token.
      expect(await call(gateways[0], 'POST', '/console/api/session', { body: { customer_id: a.id, token: otherTenantsKey.secret } })).toMatchObject({ status: 401, body: { error: 'Invalid console credentials' } });

      expect((await call(gateways[0], 'DELETE', `/api/v1/tracking/keys/${readKey.keyId}`, { headers: admin })).status).toBe(200);
      expect((await call(gateways[0], 'GET', '/console/api/session', { headers: { Cookie: session.cookie } })).status).toBe(401);
    });

    it('refuses a body with both kinds of credentials', async () => {
      const answer = await call(gateways[0], 'POST', '/console/api/session', { body: { customer_id: a.id, token: a.token, operator_token: TEST_ADMIN_TOKEN } });
      expect(answer).toMatchObject({ status: 400, body: { error_code: 'INVALID_REQUEST' } });
    });

    it('rate limits sign-in attempts per client address, wrong or right', async () => {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(strict, 'POST', '/console/api/session', { body: { customer_id: a.id, token: b.token } })).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect((await call(strict, 'POST', '/console/api/session', { body: { customer_id: a.id, token: a.token } })).status).toBe(429);
    });
  });

  describe('a customer session', () => {
    let session: Session;
    beforeAll(async () => {
      session = await signIn({ customer_id: a.id, token: a.token });
    });

    it('is the same session on another gateway instance', async () => {
      const answer = await call(gateways[1], 'GET', '/console/api/session', { headers: { Cookie: session.cookie } });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(session.answer.body);
    });

    it("reads its own tenant's overview, status, dashboard, analytics and CSV export", async () => {
      // The three events of beforeAll and the one the ingestion-only token sent.
      await waitFor(() => staged(a), (count) => count === 4, { what: "the ingestion-only token's event staged", timeoutMs: 30_000 });
      const overview = await call(gateways[1], 'GET', '/console/api/overview', { headers: { Cookie: session.cookie } });
      expect(overview.status).toBe(200);
      expect(overview.body).toMatchObject({ customer_id: a.id, window_minutes: 60, totals: { accepted: 4, rejected: 0 } });
      expect(overview.body['events_per_minute']).toHaveLength(60);
      expect(overview.body['consumer_lag']).toEqual(expect.any(Object));
      for (const path of ['/api/v1/track/status', '/api/v1/track/dashboard', '/api/v1/tracking/analytics']) {
        expect({ path, ...(await call(gateways[0], 'GET', path, { headers: { Cookie: session.cookie } })) }).toMatchObject({ path, status: 200, body: { customer_id: a.id } });
      }
      const csv = await fetch(`${gateways[0].url}/api/v1/tracking/analytics/export`, { headers: { Cookie: session.cookie } });
      expect(csv.status).toBe(200);
      expect(await csv.text()).toContain('/console-0');
    });

    it('cannot read another tenant by parameter or header', async () => {
      for (const path of ['/console/api/overview', '/api/v1/track/status', '/api/v1/track/dashboard', '/api/v1/tracking/analytics', '/api/v1/tracking/analytics/export']) {
        const byQuery = await call(gateways[0], 'GET', `${path}?customer_id=${b.id}`, { headers: { Cookie: session.cookie } });
        const byHeader = await call(gateways[0], 'GET', path, { headers: { Cookie: session.cookie, 'X-Customer-ID': b.id } });
        for (const answer of [byQuery, byHeader]) {
          expect({ path, status: answer.status, code: answer.body['error_code'] }).toEqual({ path, status: 403, code: 'FORBIDDEN' });
          expect(JSON.stringify(answer.body)).not.toContain(b.origin);
        }
      }
      expect((await call(gateways[0], 'GET', '/console/api/customers', { headers: { Cookie: session.cookie } })).status).toBe(403);
    });

    it('needs the CSRF token on state-changing calls', async () => {
      const path = '/api/v1/track/process?timeout_ms=0';
      expect(await call(gateways[0], 'POST', path, { headers: { Cookie: session.cookie } })).toMatchObject({ status: 403, body: { error_code: 'FORBIDDEN' } });
      expect((await call(gateways[0], 'POST', path, { headers: { Cookie: session.cookie, 'X-CSRF-Token': `${session.csrf.slice(1)}x` } })).status).toBe(403);
      expect((await call(gateways[0], 'DELETE', '/console/api/session', { headers: { Cookie: session.cookie } })).status).toBe(403);
      expect((await call(gateways[1], 'GET', '/console/api/session', { headers: { Cookie: session.cookie } })).status).toBe(200);
      expect(await call(gateways[1], 'POST', path, { headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrf } })).toMatchObject({ status: 200, body: { customer_id: a.id } });
    });

    it('signs out on one instance and is gone on the other', async () => {
      const out = await call(gateways[0], 'DELETE', '/console/api/session', { headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrf } });
      expect(out.status).toBe(204);
      expect(cookieHeader(out.cookies, 'console_session')).toMatch(/^console_session=; Path=\/; Max-Age=0;.*HttpOnly$/);
      expect(cookieHeader(out.cookies, 'console_csrf')).toMatch(/^console_csrf=; Path=\/; Max-Age=0;/);
      expect((await call(gateways[1], 'GET', '/console/api/session', { headers: { Cookie: session.cookie } })).status).toBe(401);
      expect((await call(gateways[1], 'GET', '/console/api/overview', { headers: { Cookie: session.cookie } })).status).toBe(401);
    });
  });

  describe('an operator session', () => {
    let session: Session;
    beforeAll(async () => {
      session = await signIn({ operator_token: TEST_ADMIN_TOKEN });
    });

    it('answers the operator role with every scope', () => {
      expect(session.answer.body).toEqual({ role: 'operator', scopes: ['ingest', 'read', 'admin'], csrf_token: session.csrf });
    });

    it('reads any tenant it names, and must name one', async () => {
      const missing = await call(gateways[1], 'GET', '/console/api/overview', { headers: { Cookie: session.cookie } });
      expect(missing).toMatchObject({ status: 400, body: { error_code: 'INVALID_REQUEST' } });
      const ofB = await call(gateways[1], 'GET', `/console/api/overview?customer_id=${b.id}`, { headers: { Cookie: session.cookie } });
      expect(ofB.body).toMatchObject({ customer_id: b.id, totals: { accepted: 2, rejected: 0 } });
      const statusOfA = await call(gateways[0], 'GET', '/api/v1/track/status', { headers: { Cookie: session.cookie, 'X-Customer-ID': a.id } });
      expect(statusOfA).toMatchObject({ status: 200, body: { customer_id: a.id } });
    });

    it('lists every customer with its volume', async () => {
      for (const headers of [{ Cookie: session.cookie }, { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` }] as Array<Record<string, string>>) {
        const answer = await call(gateways[0], 'GET', '/console/api/customers', { headers });
        expect(answer.status).toBe(200);
        const rows = answer.body['customers'] as Array<{ customer_id: string; events_last_24_hours: number }>;
        expect(rows.find((row) => row.customer_id === a.id)?.events_last_24_hours).toBeGreaterThanOrEqual(3);
        expect(rows.find((row) => row.customer_id === b.id)?.events_last_24_hours).toBe(2);
      }
      expect((await call(gateways[0], 'GET', '/console/api/customers', { headers: { Authorization: `Bearer ${a.token}` } })).status).toBe(401);
    });
  });

  describe('the console files', () => {
    it('serves the build with a CSP that forbids inline script, and index.html for client routes', async () => {
      for (const path of ['/console/', '/console/automations/42']) {
        const page = await fetch(`${gateways[0].url}${path}`);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toContain('text/html');
        expect(page.headers.get('content-security-policy')).toBe(
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        );
        expect(await page.text()).toContain('<title>console</title>');
      }
      const script = await fetch(`${gateways[0].url}/console/assets/app.js`);
      expect(script.headers.get('content-type')).toContain('text/javascript');
      expect(script.headers.get('cache-control')).toContain('immutable');
      expect((await fetch(`${gateways[0].url}/console/assets/..%2f..%2fpackage.json`)).headers.get('content-type')).toContain('text/html');
      expect(await call(gateways[0], 'GET', '/console/api/nothing-here')).toMatchObject({ status: 404, body: { error_code: 'NOT_FOUND' } });
    });

    it('answers 404 with a clear message when the console is not built', async () => {
      const page = await fetch(`${strict.url}/console/`);
      expect(page.status).toBe(404);
      expect(await page.text()).toContain('npm run build');
    });
  });
});
