import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { stringify } from 'yaml';
import { TOPICS, tenantHashKey, type AuditRecord } from '@tracking/contracts';
import { addToken } from '@test/support/console-browser';
import { printBooks, type Books } from '@test/support/drill-books';
import { TEST_ADMIN_TOKEN } from '@test/support/in-process-services';
import { startPipeline, type Pipeline, type PipelineService } from '@test/support/pipeline';
import { writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { appended, decodeValues, endOffsets, mentions, recordsBetween, type EndOffsets } from '@test/support/topic-ledger';
import { waitFor } from '@test/support/wait-for';

/*
 * Fault drill: every endpoint that takes a customer, tried by customer A with B's credentials (B's
 * token, B's key secret, B's publishable key, B's origin, B's key ids, B's path), and the other way
 * round. Each must be refused with seed 000's status and error code, answer nothing of the other
 * tenant, and publish nothing but its own audit record. The consuming services' operators' APIs
 * must refuse a customer's own token as the admin token. And on the read side, B's loaded events
 * never show in A's status, dashboard, analytics or CSV export, even with A's valid token and
 * filters that name B's pages and events.
 */

interface Tenant extends TestCustomer {
  /** A tracking key made through the keys API: a second secret and publishable key. */
  key: { keyId: string; secret: string; publishable: string };
  /** A token with the admin scope (issue 21: the tenant's own keys routes). */
  adminToken: string;
  /** Strings that appear only in this tenant's events; finding them in the other's answers is a leak. */
  markers: { page: string; eventName: string; session: string; visitor: string; campaign: string; referrerHost: string };
}

interface Probe {
  name: string;
  service: PipelineService;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
  errorCode?: string;
  /** Authenticated as the caller's own tenant (refused for what it names): its audit record names that tenant. */
  ownTenant?: boolean;
}

interface Answer {
  status: number;
  text: string;
  requestId: string | null;
  allowedOrigin: string | null;
}

const run = randomUUID().slice(0, 8);

function markersOf(label: string): Tenant['markers'] {
  return {
    page: `/${label}-secret-page-${run}`,
    eventName: `${label}_secret_event_${run}`,
    session: `${label}-secret-session-${run}`,
    visitor: `${label}-secret-visitor-${run}`,
    campaign: `${label}_secret_campaign_${run}`,
    referrerHost: `${label}-secret-referrer-${run}.example`,
  };
}

/** Page views and custom events carrying every marker of the tenant, a minute old. */
function eventsOf(tenant: Tenant, count: number): object[] {
  const { markers } = tenant;
  return Array.from({ length: count }, (_, i) => ({
    event_type: i % 2 === 0 ? 'page_view' : 'feature_usage',
    event_name: markers.eventName,
    page_url: `${tenant.origin}${markers.page}?utm_source=drill&utm_campaign=${markers.campaign}`,
    referrer: `https://${markers.referrerHost}/from`,
    session_id: markers.session,
    visitor_id: markers.visitor,
    occurred_at: new Date(Date.now() - 60_000 - i * 1000).toISOString(),
    consent_state: 'granted',
  }));
}

describe('fault drill: one tenant with another tenant\'s credentials', () => {
  const env = testEnvironment();
  // Only the drill's customers, so anything the gateway publishes names one of them.
  const customersDir = mkdtempSync(join(tmpdir(), 'drill-tenants-customers-'));
  const books: Books = {};
  let pipeline: Pipeline | undefined;
  let db: Pool;
  let a: Tenant;
  let b: Tenant;
  /** Console sessions (issue 21) of each tenant: the Cookie header and the CSRF token. */
  const sessions = new Map<string, { cookie: string; csrf: string }>();
  /** One of B's events, whose journey (issue 21) A must not see. */
  let bEventId = '';
  /** Sessions signed in with each tenant's admin-scoped token. */
  const adminSessions = new Map<string, { cookie: string; csrf: string }>();
  const B_EVENTS = 6;
  const A_EVENTS = 4;

  const urlOf = (service: Probe['service']): string => pipeline?.[service].url ?? '';

  async function call(probe: Omit<Probe, 'status' | 'errorCode' | 'name'>): Promise<Answer> {
    const response = await fetch(`${urlOf(probe.service)}${probe.path}`, {
      method: probe.method,
      headers: { ...(probe.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...probe.headers },
      body: probe.body === undefined ? undefined : JSON.stringify(probe.body),
    });
    return {
      status: response.status,
      text: await response.text(),
      requestId: response.headers.get('x-request-id'),
      allowedOrigin: response.headers.get('access-control-allow-origin'),
    };
  }

  const as = (customerId: string, token: string): Record<string, string> => ({ 'X-Customer-ID': customerId, Authorization: `Bearer ${token}` });

  /** Everything of B that must never reach A: credentials, ids, and what B's events hold. */
  const secretsOf = (tenant: Tenant): string[] => [
    tenant.token,
    tenant.key.secret,
    tenant.key.keyId,
    tenant.key.publishable,
    tenant.publishableKey,
    tenant.origin,
    tenantHashKey(tenant.id).toString('hex'),
    ...Object.values(tenant.markers),
  ];

  beforeAll(async () => {
    const setupStartedAt = Date.now();
    const tenantOf = (customer: TestCustomer, label: string): Tenant => ({
      ...customer,
      key: { keyId: '', secret: '', publishable: '' },
      adminToken: addToken(customersDir, customer, 'drill-admin', ['ingest', 'read', 'admin']),
      markers: markersOf(label),
    });
    a = tenantOf(writeTestCustomer(customersDir), 'a');
    b = tenantOf(writeTestCustomer(customersDir), 'b');
    // A workflow of B that no event matches: content for A to try to read, nothing fired.
    writeFileSync(
      join(customersDir, b.id, 'automations.yaml'),
      stringify({ workflows: [{ id: `b_secret_workflow_${run}`, trigger: 'site_page_view', filters: { url_path: '/never/matched' } }] }),
    );
    db = new Pool({ connectionString: env.databaseUrl });

    pipeline = await startPipeline({
      name: `drill-tenants-${run}`,
      customersDir,
      // Every cross-tenant probe keeps its own audit record (the abuse allowance per interval is for floods).
      settings: { gateway: { LOG_LEVEL: 'info', TRACKING_ABUSE_RECORDS_PER_INTERVAL: '100000' }, 'automation-trigger': { WEBHOOK_POLL_MS: '1000' } },
    });

    for (const tenant of [a, b]) {
      const issued = await call({
        service: 'gateway',
        method: 'POST',
        path: '/api/v1/tracking/keys',
        headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
        body: { customer_id: tenant.id, description: 'tenants drill' },
      });
      expect(issued.status).toBe(201);
      const key = JSON.parse(issued.text) as { key_id: string; secret: string; publishable_key: string };
      tenant.key = { keyId: key.key_id, secret: key.secret, publishable: key.publishable_key };
    }

    // Data for both, through the real gateway (bulk for one half, the browser collector for the
    // other) and the real vault loader.
    for (const [tenant, count] of [[b, B_EVENTS], [a, A_EVENTS]] as const) {
      const events = eventsOf(tenant, count);
      const half = Math.ceil(count / 2);
      const bulk = await call({ service: 'gateway', method: 'POST', path: '/api/v1/track/bulk', headers: as(tenant.id, tenant.token), body: { events: events.slice(0, half) } });
      expect({ status: bulk.status, processed: (JSON.parse(bulk.text) as { events_processed: number }).events_processed }).toEqual({ status: 200, processed: half });
      if (tenant === b) bEventId = (JSON.parse(bulk.text) as { accepted: Array<{ event_id: string }> }).accepted[0]?.event_id ?? '';
      const browser = await call({
        service: 'gateway',
        method: 'POST',
        path: `/api/v1/tracking/collect?customer_id=${tenant.id}&key=${tenant.publishableKey}`,
        headers: { Origin: tenant.origin },
        body: { events: events.slice(half) },
      });
      expect({ status: browser.status, processed: (JSON.parse(browser.text) as { events_processed: number }).events_processed }).toEqual({ status: 200, processed: count - half });
    }
    const staged = async (tenant: Tenant): Promise<number> =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1', [tenantHashKey(tenant.id)])).rows[0]?.n ?? 0;
    await waitFor(async () => [await staged(a), await staged(b)], ([inA, inB]) => inA === A_EVENTS && inB === B_EVENTS, { timeoutMs: 30_000, what: 'both tenants\' events in the vault' });
    books['events of B loaded into the vault'] = B_EVENTS;
    books['events of A loaded into the vault'] = A_EVENTS;
    for (const tenant of [a, b]) {
      for (const [map, token] of [[sessions, tenant.token], [adminSessions, tenant.adminToken]] as const) {
        const response = await fetch(`${urlOf('gateway')}/console/api/session`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ customer_id: tenant.id, token }),
        });
        expect(response.status).toBe(200);
        const cookie = response.headers.getSetCookie().find((header) => header.startsWith('console_session='))?.split(';')[0] ?? '';
        map.set(tenant.id, { cookie, csrf: ((await response.json()) as { csrf_token: string }).csrf_token });
      }
    }
    books['seconds starting and loading'] = Math.round((Date.now() - setupStartedAt) / 100) / 10;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([pipeline?.stop(), db?.end()]);
    printBooks('tenants', books);
  });

  it('refuses every endpoint that takes a customer when called with the other tenant\'s credentials, and publishes nothing', async () => {
    const validEvent = (tenant: Tenant) => eventsOf(tenant, 1)[0];
    // The console's automations (issue 21, page 5): reads, a check, a save that would wipe the
    // workflows, a redelivery and a trial, each acting only on the authenticated customer.
    const automationsRoutes: Array<[string, string, unknown]> = [
      ['GET', '/console/api/automations/workflows', undefined],
      ['POST', '/console/api/automations/workflows/validate', { workflows: [] }],
      ['PUT', '/console/api/automations/workflows', { workflows: [] }],
      ['GET', '/console/api/automations/deliveries', undefined],
      ['POST', `/console/api/automations/deliveries/${'0'.repeat(32)}/redeliver`, undefined],
      ['POST', '/console/api/automations/try', { event: { event_type: 'page_view', page_url: 'https://x.example/never/matched' } }],
    ];
    const bearerRoutes: Array<[string, string, unknown]> = [
      ['POST', '/api/v1/track', validEvent(a)],
      ['POST', '/api/v1/track/async', validEvent(a)],
      ['POST', '/api/v1/track/bulk', { events: eventsOf(a, 2) }],
      ['GET', '/api/v1/track/status', undefined],
      ['GET', '/api/v1/track/dashboard', undefined],
      ['GET', '/api/v1/tracking/analytics?window=7', undefined],
      ['GET', `/api/v1/tracking/analytics/export?window=7&event_name=${b.markers.eventName}`, undefined],
      ['GET', '/console/api/overview', undefined],
      ...automationsRoutes,
      ['GET', '/console/api/events/stream', undefined],
      ['GET', `/console/api/events/${bEventId}/journey`, undefined],
      ['GET', '/console/api/rejected', undefined],
      ['POST', '/console/api/rejected/redrive', { items: [{ id: '00000000-0000-4000-8000-000000000000', event: validEvent(a) }] }],
      ['GET', '/console/api/keys', undefined],
      ['POST', '/console/api/keys', { description: 'drill' }],
      // The console's Exports and Privacy routes (issue 21): read and admin alike refuse the other's credential.
      ['GET', '/console/api/exports/status', undefined],
      ['POST', '/console/api/exports/run', undefined],
      ['GET', '/console/api/privacy/erasures', undefined],
      ['POST', '/console/api/privacy/erasures', { visitor_id: `drill-erase-${run}`, confirm: true }],
      ['GET', `/api/v1/customer/${a.id}/tracking-config`, undefined],
      ['GET', `/api/v1/customer/${b.id}/tracking-config`, undefined],
    ];
    const probes: Probe[] = [];
    for (const [method, path, body] of bearerRoutes) {
      // A valid token of another customer is 403 FORBIDDEN (README: logged as abuse), whichever tenant is named.
      probes.push(
        { name: `A with B's token: ${method} ${path}`, service: 'gateway', method, path, body, headers: as(a.id, b.token), status: 403, errorCode: 'FORBIDDEN' },
        { name: `A with B's key secret: ${method} ${path}`, service: 'gateway', method, path, body, headers: as(a.id, b.key.secret), status: 403, errorCode: 'FORBIDDEN' },
        { name: `B with A's token: ${method} ${path}`, service: 'gateway', method, path, body, headers: as(b.id, a.token), status: 403, errorCode: 'FORBIDDEN' },
      );
    }
    probes.push(
      // B's publishable key is public by design, but it is no API token.
      { name: "A with B's publishable key as token", service: 'gateway', method: 'GET', path: '/api/v1/track/status', headers: as(a.id, b.publishableKey), status: 401, errorCode: 'UNAUTHORIZED' },
      { name: "A with B's key-API publishable key as token", service: 'gateway', method: 'POST', path: '/api/v1/track', body: validEvent(a), headers: as(a.id, b.key.publishable), status: 401, errorCode: 'UNAUTHORIZED' },
      // Authenticated as one tenant, asking for the other's configuration.
      { name: "A's credentials, B's configuration", service: 'gateway', method: 'GET', path: `/api/v1/customer/${b.id}/tracking-config`, headers: as(a.id, a.token), status: 403, errorCode: 'FORBIDDEN' },
      { name: "A's key secret, B's configuration", service: 'gateway', method: 'GET', path: `/api/v1/customer/${b.id}/tracking-config`, headers: as(a.id, a.key.secret), status: 403, errorCode: 'FORBIDDEN' },
      { name: "B's credentials, A's configuration", service: 'gateway', method: 'GET', path: `/api/v1/customer/${a.id}/tracking-config`, headers: as(b.id, b.token), status: 403, errorCode: 'FORBIDDEN' },
    );
    const collect = (query: string, origin: string | undefined, body: unknown = validEvent(a)): Pick<Probe, 'method' | 'path' | 'headers' | 'body' | 'service'> => ({
      service: 'gateway',
      method: 'POST',
      path: `/api/v1/tracking/collect${query}`,
      headers: origin ? { Origin: origin } : {},
      body,
    });
    probes.push(
      // A publishable key proves nothing for another customer: 401; an origin the customer does not allow: 403.
      { name: "collect: A with B's publishable key", ...collect(`?customer_id=${a.id}&key=${b.publishableKey}`, a.origin), status: 401, errorCode: 'UNAUTHORIZED' },
      { name: "collect: A with B's key-API publishable key", ...collect(`?customer_id=${a.id}&key=${b.key.publishable}`, a.origin), status: 401, errorCode: 'UNAUTHORIZED' },
      { name: "collect: B with A's publishable key", ...collect(`?customer_id=${b.id}&key=${a.publishableKey}`, b.origin), status: 401, errorCode: 'UNAUTHORIZED' },
      { name: "collect: A's key from B's origin", ...collect(`?customer_id=${a.id}&key=${a.publishableKey}`, b.origin), status: 403, errorCode: 'FORBIDDEN' },
      { name: "collect: B's key from A's origin", ...collect(`?customer_id=${b.id}&key=${b.publishableKey}`, a.origin), status: 403, errorCode: 'FORBIDDEN' },
      { name: "collect: A's key-API key from B's origin", ...collect(`?customer_id=${a.id}&key=${a.key.publishable}`, b.origin), status: 403, errorCode: 'FORBIDDEN' },
      {
        name: "collect: credentials in the body, A with B's key",
        ...collect('', a.origin, { ...(validEvent(a) as object), customer_id: a.id, publishable_key: b.publishableKey }),
        status: 401,
        errorCode: 'UNAUTHORIZED',
      },
      {
        name: "collect: A in the query, B's key in the body",
        ...collect(`?customer_id=${a.id}`, a.origin, { ...(validEvent(a) as object), customer_id: b.id, publishable_key: b.publishableKey }),
        status: 401,
        errorCode: 'UNAUTHORIZED',
      },
      {
        name: "collect: a batch for A with B's key",
        ...collect(`?customer_id=${a.id}&key=${b.publishableKey}`, a.origin, { events: eventsOf(a, 3) }),
        status: 401,
        errorCode: 'UNAUTHORIZED',
      },
      { name: "collect preflight: A named, B's origin", service: 'gateway', method: 'OPTIONS', path: `/api/v1/tracking/collect?customer_id=${a.id}`, headers: { Origin: b.origin, 'Access-Control-Request-Method': 'POST' }, status: 403, errorCode: 'FORBIDDEN' },
    );
    // The console (issue 21): a customer's session reads its own tenant only, whatever it names; the
    // operators' list is not for customers; signing in with the other's credential gets the one 401.
    const sessionOf = (tenant: Tenant): { cookie: string; csrf: string } => sessions.get(tenant.id) ?? { cookie: '', csrf: '' };
    const consoleReads = [
      '/console/api/overview',
      '/console/api/events/stream',
      `/console/api/events/${bEventId}/journey`,
      '/console/api/rejected',
      '/console/api/keys',
      '/api/v1/track/status',
      '/api/v1/track/dashboard',
      '/api/v1/tracking/analytics?window=7',
      '/api/v1/tracking/analytics/sites?window=7',
      `/api/v1/tracking/analytics/export?window=7&event_name=${b.markers.eventName}`,
      '/console/api/automations/workflows',
      '/console/api/automations/deliveries',
      '/console/api/exports/status',
      '/console/api/privacy/erasures',
    ];
    for (const path of consoleReads) {
      const withCustomer = (id: string) => `${path}${path.includes('?') ? '&' : '?'}customer_id=${id}`;
      probes.push(
        { name: `A's console session naming B (customer_id): GET ${path}`, service: 'gateway', method: 'GET', path: withCustomer(b.id), headers: { Cookie: sessionOf(a).cookie }, status: 403, errorCode: 'FORBIDDEN' },
        { name: `A's console session naming B (X-Customer-ID): GET ${path}`, service: 'gateway', method: 'GET', path, headers: { Cookie: sessionOf(a).cookie, 'X-Customer-ID': b.id }, status: 403, errorCode: 'FORBIDDEN' },
        { name: `B's console session naming A (customer_id): GET ${path}`, service: 'gateway', method: 'GET', path: withCustomer(a.id), headers: { Cookie: sessionOf(b).cookie }, status: 403, errorCode: 'FORBIDDEN' },
      );
    }
    probes.push(
      {
        name: "A's console session, with its CSRF header, naming B: process",
        service: 'gateway',
        method: 'POST',
        path: `/api/v1/track/process?customer_id=${b.id}&timeout_ms=0`,
        headers: { Cookie: sessionOf(a).cookie, 'X-CSRF-Token': sessionOf(a).csrf },
        status: 403,
        errorCode: 'FORBIDDEN',
      },
      ...automationsRoutes
        .filter(([method]) => method !== 'GET')
        .flatMap(([method, path, body]): Probe[] => [
          {
            name: `A's console session, with its CSRF header, naming B: ${method} ${path}`,
            service: 'gateway',
            method,
            path: `${path}?customer_id=${b.id}`,
            body,
            headers: { Cookie: sessionOf(a).cookie, 'X-CSRF-Token': sessionOf(a).csrf },
            status: 403,
            errorCode: 'FORBIDDEN',
          },
          { name: `A's console session without its CSRF header: ${method} ${path}`, service: 'gateway', method, path, body, headers: { Cookie: sessionOf(a).cookie }, status: 403, errorCode: 'FORBIDDEN' },
        ]),
      {
        name: "A's console session, with its CSRF header, naming B: redrive a rejection",
        service: 'gateway',
        method: 'POST',
        path: `/console/api/rejected/redrive?customer_id=${b.id}`,
        headers: { Cookie: sessionOf(a).cookie, 'X-CSRF-Token': sessionOf(a).csrf },
        body: { items: [{ id: '00000000-0000-4000-8000-000000000000', event: validEvent(b) }] },
        status: 403,
        errorCode: 'FORBIDDEN',
      },
      {
        name: "A's console session without its CSRF header: redrive",
        service: 'gateway',
        method: 'POST',
        path: '/console/api/rejected/redrive',
        headers: { Cookie: sessionOf(a).cookie },
        body: { items: [{ id: '00000000-0000-4000-8000-000000000000', event: validEvent(a) }] },
        status: 403,
        errorCode: 'FORBIDDEN',
      },
      // The console's state-changing self-service routes (issue 21): naming B is refused before any scope or body is looked at.
      ...(
        [
          ['POST', '/console/api/exports/run', undefined],
          ['POST', '/console/api/privacy/erasures', { visitor_id: b.markers.visitor, confirm: true }],
        ] as const
      ).flatMap(([method, path, body]): Probe[] => [
        { name: `A's console session, with its CSRF header, naming B (customer_id): ${method} ${path}`, service: 'gateway' as const, method, path: `${path}?customer_id=${b.id}`, body, headers: { Cookie: sessionOf(a).cookie, 'X-CSRF-Token': sessionOf(a).csrf }, status: 403, errorCode: 'FORBIDDEN' },
        { name: `A's console session, with its CSRF header, naming B (X-Customer-ID): ${method} ${path}`, service: 'gateway' as const, method, path, body, headers: { Cookie: sessionOf(a).cookie, 'X-CSRF-Token': sessionOf(a).csrf, 'X-Customer-ID': b.id }, status: 403, errorCode: 'FORBIDDEN' },
        { name: `A's console session without its CSRF header: ${method} ${path}`, service: 'gateway' as const, method, path, body, headers: { Cookie: sessionOf(a).cookie }, status: 403, errorCode: 'FORBIDDEN' },
        // A's own tenant, but its session's credential carries [ingest, read], not admin.
        { name: `A's read-only console session on its own tenant: ${method} ${path}`, service: 'gateway' as const, method, path, body, headers: { Cookie: sessionOf(a).cookie, 'X-CSRF-Token': sessionOf(a).csrf }, status: 403, errorCode: 'FORBIDDEN' },
      ]),
      { name: "A's console session without its CSRF header: process", service: 'gateway', method: 'POST', path: '/api/v1/track/process?timeout_ms=0', headers: { Cookie: sessionOf(a).cookie }, status: 403, errorCode: 'FORBIDDEN' },
      { name: "A's console session with B's CSRF header: sign out", service: 'gateway', method: 'DELETE', path: '/console/api/session', headers: { Cookie: sessionOf(a).cookie, 'X-CSRF-Token': sessionOf(b).csrf }, status: 403, errorCode: 'FORBIDDEN' },
      // Live events (issue 21): B's event is no event of A's, by session or by A's own token.
      { name: "A's console session: the journey of B's event", service: 'gateway', method: 'GET', path: `/console/api/events/${bEventId}/journey`, headers: { Cookie: sessionOf(a).cookie }, status: 404, errorCode: 'NOT_FOUND' },
      { name: "A's own token: the journey of B's event", service: 'gateway', method: 'GET', path: `/console/api/events/${bEventId}/journey`, headers: as(a.id, a.token), status: 404, errorCode: 'NOT_FOUND' },
      { name: "A's console session: the operators' customer list", service: 'gateway', method: 'GET', path: '/console/api/customers', headers: { Cookie: sessionOf(a).cookie }, status: 403, errorCode: 'FORBIDDEN' },
      { name: "A's bearer credential: the operators' customer list", service: 'gateway', method: 'GET', path: '/console/api/customers', headers: as(a.id, a.token), status: 401, errorCode: 'UNAUTHORIZED' },
      // The operators' replay (console-operator): no customer session or token moves a group, dry run or not.
      {
        name: "A's console session, with its CSRF header: the operators' replay",
        service: 'gateway',
        method: 'POST',
        path: '/console/api/replay',
        headers: { Cookie: sessionOf(a).cookie, 'X-CSRF-Token': sessionOf(a).csrf },
        body: { services: ['vault-loader'], from: new Date(Date.now() - 3_600_000).toISOString(), dry_run: false },
        status: 403,
        errorCode: 'FORBIDDEN',
      },
      {
        name: "A's bearer credential naming B: the operators' replay (dry run)",
        service: 'gateway',
        method: 'POST',
        path: '/console/api/replay',
        headers: as(b.id, a.token),
        body: { services: ['vault-loader'], from: new Date(Date.now() - 3_600_000).toISOString(), dry_run: true },
        status: 401,
        errorCode: 'UNAUTHORIZED',
      },
      { name: 'console sign-in as A with B\'s credential', service: 'gateway', method: 'POST', path: '/console/api/session', body: { customer_id: a.id, token: b.token }, status: 401, errorCode: 'UNAUTHORIZED' },
      { name: 'console sign-in as B with A\'s key-API secret', service: 'gateway', method: 'POST', path: '/console/api/session', body: { customer_id: b.id, token: a.key.secret }, status: 401, errorCode: 'UNAUTHORIZED' },
      { name: 'console sign-in as an operator with A\'s credential', service: 'gateway', method: 'POST', path: '/console/api/session', body: { operator_token: a.token }, status: 401, errorCode: 'UNAUTHORIZED' },
    );
    // The tenant's own keys routes (issue 21), with the admin scope: naming the other tenant is 403;
    // acting on its own tenant with the other's key id finds no such key (404). Nothing changes.
    const adminSessionOf = (tenant: Tenant): { cookie: string; csrf: string } => adminSessions.get(tenant.id) ?? { cookie: '', csrf: '' };
    const withAdminSession = (tenant: Tenant): Record<string, string> => ({ Cookie: adminSessionOf(tenant).cookie, 'X-CSRF-Token': adminSessionOf(tenant).csrf });
    const keyRoutes: Array<[string, string, string, unknown]> = [
      ['create a key', 'POST', '/console/api/keys', { description: 'drill', scopes: ['ingest', 'read', 'admin'] }],
      ["rotate B's key", 'POST', `/console/api/keys/${b.key.keyId}/rotate`, { overlap_seconds: 0 }],
      ["revoke B's key", 'DELETE', `/console/api/keys/${b.key.keyId}`, undefined],
    ];
    for (const [what, method, path, body] of keyRoutes) {
      const naming = (id: string) => `${path}?customer_id=${id}`;
      probes.push(
        { name: `A's admin console session naming B (customer_id): ${what}`, service: 'gateway', method, path: naming(b.id), body, headers: withAdminSession(a), status: 403, errorCode: 'FORBIDDEN' },
        { name: `A's admin console session naming B (X-Customer-ID): ${what}`, service: 'gateway', method, path, body, headers: { ...withAdminSession(a), 'X-Customer-ID': b.id }, status: 403, errorCode: 'FORBIDDEN' },
        { name: `A's admin token naming B: ${what}`, service: 'gateway', method, path, body, headers: as(b.id, a.adminToken), status: 403, errorCode: 'FORBIDDEN' },
        { name: `A's admin console session without its CSRF header: ${what}`, service: 'gateway', method, path, body, headers: { Cookie: adminSessionOf(a).cookie }, status: 403, errorCode: 'FORBIDDEN' },
        { name: `A's read console session, its own tenant: ${what}`, service: 'gateway', method, path, body, headers: { Cookie: sessionOf(a).cookie, 'X-CSRF-Token': sessionOf(a).csrf }, status: 403, errorCode: 'FORBIDDEN' },
      );
      if (what !== 'create a key') {
        probes.push(
          { name: `A's admin console session, its own tenant: ${what}`, service: 'gateway', method, path, body, headers: withAdminSession(a), status: 404, errorCode: 'INVALID_REQUEST', ownTenant: true },
          { name: `A's admin bearer, its own tenant: ${what}`, service: 'gateway', method, path, body, headers: as(a.id, a.adminToken), status: 404, errorCode: 'INVALID_REQUEST', ownTenant: true },
        );
      }
    }

    // The keys API belongs to the operators: no customer credential opens it, for its own keys or another's.
    for (const [label, headers] of [
      ["A's token", as(a.id, a.token)],
      ["A's key secret", { Authorization: `Bearer ${a.key.secret}` }],
      ["B's token", { Authorization: `Bearer ${b.token}` }],
    ] as const) {
      probes.push(
        { name: `keys with ${label}: create for B`, service: 'gateway', method: 'POST', path: '/api/v1/tracking/keys', headers, body: { customer_id: b.id }, status: 401, errorCode: 'UNAUTHORIZED' },
        { name: `keys with ${label}: list B's`, service: 'gateway', method: 'GET', path: `/api/v1/tracking/keys?customer_id=${b.id}`, headers, status: 401, errorCode: 'UNAUTHORIZED' },
        { name: `keys with ${label}: list A's`, service: 'gateway', method: 'GET', path: `/api/v1/tracking/keys?customer_id=${a.id}`, headers, status: 401, errorCode: 'UNAUTHORIZED' },
        { name: `keys with ${label}: rotate B's key`, service: 'gateway', method: 'POST', path: `/api/v1/tracking/keys/${b.key.keyId}/rotate`, headers, body: {}, status: 401, errorCode: 'UNAUTHORIZED' },
        { name: `keys with ${label}: revoke B's key`, service: 'gateway', method: 'DELETE', path: `/api/v1/tracking/keys/${b.key.keyId}`, headers, status: 401, errorCode: 'UNAUTHORIZED' },
      );
    }
    // The consuming services' operators' APIs: a customer's own token is not the admin token.
    for (const [label, token] of [
      ["A's token", a.token],
      ["A's key secret", a.key.secret],
      ["B's token", b.token],
    ] as const) {
      const headers = { Authorization: `Bearer ${token}`, 'X-Customer-ID': b.id };
      probes.push(
        { name: `vault-loader with ${label}: erase B's visitor`, service: 'vault-loader', method: 'POST', path: '/api/v1/privacy/erasures', headers, body: { customer_id: b.id, visitor_id: b.markers.visitor }, status: 401, errorCode: 'UNAUTHORIZED' },
        { name: `vault-loader with ${label}: retention run`, service: 'vault-loader', method: 'POST', path: '/api/v1/privacy/retention/run', headers, status: 401, errorCode: 'UNAUTHORIZED' },
        { name: `automation-trigger with ${label}: B's workflows`, service: 'automation-trigger', method: 'GET', path: `/api/v1/automations/${b.id}/workflows`, headers, status: 401, errorCode: 'UNAUTHORIZED' },
        { name: `automation-trigger with ${label}: replace B's workflows`, service: 'automation-trigger', method: 'PUT', path: `/api/v1/automations/${b.id}/workflows`, headers, body: { workflows: [] }, status: 401, errorCode: 'UNAUTHORIZED' },
        { name: `automation-trigger with ${label}: B's deliveries`, service: 'automation-trigger', method: 'GET', path: `/api/v1/automations/${b.id}/deliveries`, headers, status: 401, errorCode: 'UNAUTHORIZED' },
        { name: `automation-trigger with ${label}: redeliver for B`, service: 'automation-trigger', method: 'POST', path: `/api/v1/automations/${b.id}/deliveries/${'0'.repeat(32)}/redeliver`, headers, status: 401, errorCode: 'UNAUTHORIZED' },
        { name: `exporter with ${label}: run for B`, service: 'exporter', method: 'POST', path: `/api/v1/export/run?customer_id=${b.id}`, headers, status: 401, errorCode: 'UNAUTHORIZED' },
        { name: `exporter with ${label}: status of B`, service: 'exporter', method: 'GET', path: `/api/v1/export/status?customer_id=${b.id}`, headers, status: 401, errorCode: 'UNAUTHORIZED' },
        { name: `exporter with ${label}: config of all`, service: 'exporter', method: 'GET', path: '/api/v1/export/config', headers, status: 401, errorCode: 'UNAUTHORIZED' },
      );
    }

    const keysBefore = (await db.query('SELECT key_id, revoked_at, expires_at FROM gateway.tracking_keys WHERE customer_id = ANY($1) ORDER BY key_id', [[a.id, b.id]])).rows;
    const workflowsBefore = readFileSync(join(customersDir, b.id, 'automations.yaml'), 'utf8');
    // B's workflows as the automation trigger holds them (saved through the console, they would change there).
    const triggerWorkflowsOf = async (tenant: Tenant) =>
      (await call({ service: 'automation-trigger', method: 'GET', path: `/api/v1/automations/${tenant.id}/workflows`, headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).text;
    const triggerWorkflowsBefore = await triggerWorkflowsOf(b);
    expect(triggerWorkflowsBefore).toContain(`b_secret_workflow_${run}`);
    const before = await endOffsets(env.kafkaBrokers);
    const wrong: string[] = [];
    const requestIds = new Set<string>();
    const statuses = new Map<number, number>();
    for (const probe of probes) {
      const answer = await call(probe);
      if (answer.requestId) requestIds.add(answer.requestId);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const body = ((): Record<string, unknown> => {
        try {
          return JSON.parse(answer.text) as Record<string, unknown>;
        } catch {
          return {};
        }
      })();
      const problems: string[] = [];
      if (answer.status !== probe.status) problems.push(`status ${answer.status}, expected ${probe.status}`);
      if (probe.errorCode && body['error_code'] !== probe.errorCode) problems.push(`error_code ${String(body['error_code'])}, expected ${probe.errorCode}`);
      if (body['success'] !== false) problems.push('not seed 000\'s error shape');
      // A refused browser call gets no CORS grant: the other site's script cannot even read the refusal.
      if (answer.allowedOrigin !== null) problems.push(`Access-Control-Allow-Origin: ${answer.allowedOrigin}`);
      // Neither tenant's secrets nor data appear, beyond what the caller itself sent (an error may
      // name the origin or customer it was given; it must add nothing).
      const sent = `${probe.path} ${JSON.stringify(probe.headers ?? {})} ${JSON.stringify(probe.body ?? null)}`;
      const leaked = [...secretsOf(a), ...secretsOf(b)].filter((secret) => answer.text.includes(secret) && !sent.includes(secret));
      if (leaked.length > 0) problems.push(`answer holds ${leaked.join(', ')}`);
      if (problems.length > 0) wrong.push(`${probe.name}: ${problems.join('; ')}\n  answer: ${answer.text.slice(0, 300)}`);
    }
    books['refusal probes'] = probes.length;
    for (const service of ['gateway', 'vault-loader', 'automation-trigger', 'exporter'] as const) books[`refusal probes of ${service}`] = probes.filter((probe) => probe.service === service).length;
    for (const [status, count] of [...statuses].sort()) books[`answered ${status}`] = count;
    books['probes answered wrongly'] = wrong.length;

    // Nothing was published for either tenant: only the refusals' own audit records.
    const after: EndOffsets = await endOffsets(env.kafkaBrokers);
    const drillRecords = async (topic: string) =>
      appended(before, after, topic) === 0 ? [] : (await recordsBetween(env.kafkaBrokers, topic, before, after)).filter((record) => mentions(record, [a.id, b.id], requestIds));
    const everyAudit = await decodeValues<AuditRecord>(env.schemaRegistryUrl, await drillRecords(TOPICS.trackingAudit));
    // The gateway's record of each interaction. Apart: the other services' records of their refused
    // admin calls (issue 20: every call is audited; found here when they name a tenant) and abuse
    // summaries (issue 23: one per customer and kind per interval).
    const audit = everyAudit.filter((record) => (record.service ?? 'gateway') === 'gateway' && record.abuse_count === null);
    const othersAudit = everyAudit.filter((record) => (record.service ?? 'gateway') !== 'gateway');
    books['audit records of the other services'] = othersAudit.length;
    books['abuse summary records'] = everyAudit.filter((record) => record.abuse_count !== null).length;
    // Those refused admin calls were refusals too, each answered by the service the record names.
    expect(othersAudit.filter((record) => record.status_code < 400)).toEqual([]);
    const published = new Map<string, number>();
    for (const topic of Object.values(TOPICS)) {
      published.set(topic, topic === TOPICS.trackingAudit ? everyAudit.length : (await drillRecords(topic)).length);
      const total = (offsets: EndOffsets): bigint => [...(offsets.get(topic)?.values() ?? [])].reduce((sum, end) => sum + end, 0n);
      books[`${topic}: end offsets before -> after (all writers)`] = `${total(before)} -> ${total(after)}`;
      books[`${topic}: records of the drill`] = published.get(topic) ?? 0;
    }

    if (wrong.length > 0) process.stdout.write(`\n${wrong.join('\n')}\n`);
    expect(wrong).toEqual([]);
    for (const topic of Object.values(TOPICS).filter((name) => name !== TOPICS.trackingAudit)) expect({ topic, records: published.get(topic) }).toEqual({ topic, records: 0 });
    // Every audit record of the drill is a refusal, none an accepted event; the cross-tenant ones name no customer.
    expect(audit.filter((record) => record.status_code < 400 || record.events_accepted > 0)).toEqual([]);
    // One record per refused interaction with the gateway; only a caller that did authenticate (as
    // itself, asking for the other's configuration, the journey of the other's event or the other's
    // key by its id) is named in it.
    expect(audit.length).toBe(probes.filter((probe) => probe.service === 'gateway').length);
    const ownKeyRoute = (record: AuditRecord): boolean => record.endpoint.includes(' /console/api/keys/') && record.status_code === 404;
    expect(audit.filter((record) => record.customer_id !== null && !record.endpoint.includes('tracking-config') && !record.endpoint.endsWith('/journey') && !ownKeyRoute(record))).toEqual([]);
    expect(audit.filter((record) => record.endpoint.endsWith('/journey') && record.customer_id !== null).map((record) => [record.customer_id, record.status_code])).toEqual([
      [a.id, 404],
      [a.id, 404],
    ]);
    const ownTenantProbes = probes.filter((probe) => probe.ownTenant).length;
    // Those that authenticated as A and asked for B's key: A's own records, as many as there were such probes.
    expect(audit.filter(ownKeyRoute).map((record) => record.customer_id)).toEqual(Array(ownTenantProbes).fill(a.id));

    // Nothing of B changed: keys, workflows, erasures.
    expect((await db.query('SELECT key_id, revoked_at, expires_at FROM gateway.tracking_keys WHERE customer_id = ANY($1) ORDER BY key_id', [[a.id, b.id]])).rows).toEqual(keysBefore);
    expect(readFileSync(join(customersDir, b.id, 'automations.yaml'), 'utf8')).toBe(workflowsBefore);
    expect(await triggerWorkflowsOf(b)).toBe(triggerWorkflowsBefore);
    expect((await db.query('SELECT count(*)::int AS n FROM privacy.erasures WHERE tenant_hk = $1', [tenantHashKey(b.id)])).rows[0]).toEqual({ n: 0 });
    // No rejection of either tenant was marked redriven (issue 21).
    expect((await db.query('SELECT count(*)::int AS n FROM gateway.rejection_redrives WHERE tenant_hk = ANY($1)', [[tenantHashKey(a.id), tenantHashKey(b.id)]])).rows[0]).toEqual({ n: 0 });

    // A token of another customer is logged as abuse, and no token is logged at all.
    const log = pipeline?.gateway.output() ?? '';
    const abuse = log.split('\n').filter((line) => line.includes('"tracking.abuse"'));
    books['abuse log lines'] = abuse.length;
    expect(abuse.length).toBe(probes.filter((probe) => probe.service === 'gateway' && probe.status === 403 && /token|key secret/.test(probe.name) && !probe.name.includes('configuration')).length);
    for (const secret of [a.token, b.token, a.key.secret, b.key.secret, TEST_ADMIN_TOKEN]) expect(log.includes(secret)).toBe(false);
  });

  it('never shows B\'s events in A\'s status, dashboard, analytics or export, whatever A asks for', async () => {
    const read = async (tenant: Tenant, path: string): Promise<string> => {
      const answer = await call({ service: 'gateway', method: 'GET', path, headers: as(tenant.id, tenant.token) });
      expect({ path, status: answer.status }).toEqual({ path, status: 200 });
      return answer.text;
    };
    const filters = [
      '',
      '?window=7',
      '?window=90&limit=100',
      `?url=${encodeURIComponent(`${b.origin}${b.markers.page}`)}`,
      `?url=${encodeURIComponent(b.markers.page)}`,
      `?event_name=${b.markers.eventName}`,
      '?event_type=feature_usage',
    ];
    const paths = ['/api/v1/track/status', '/api/v1/track/dashboard', ...filters.flatMap((query) => [`/api/v1/tracking/analytics${query}`, `/api/v1/tracking/analytics/export${query}`])];
    const leaks: string[] = [];
    let aSeesItself = 0;
    for (const path of paths) {
      const text = await read(a, path);
      // The answer repeats the filters A gave (window, url, event_name): those are A's words, not B's data.
      const leaked = [b.id, ...secretsOf(b)].filter((secret) => text.includes(secret) && !decodeURIComponent(path).includes(secret));
      if (leaked.length > 0) leaks.push(`${path}: ${leaked.join(', ')}`);
      if (text.includes(a.markers.eventName)) aSeesItself++;
      // A filter naming B's page or event finds nothing for A: no row, however it is counted.
      if (path.includes('secret')) {
        if (path.includes('/export')) expect({ path, rows: text.trim().split('\r\n').length }).toEqual({ path, rows: 1 });
        else expect({ path, events: (JSON.parse(text) as { totals: { events: number } }).totals.events }).toEqual({ path, events: 0 });
      }
    }
    // B's refused event (issue 21, Rejected events), with B's markers in its payload: B lists it, A never.
    const refusedOfB = await call({ service: 'gateway', method: 'POST', path: '/api/v1/track', headers: as(b.id, b.token), body: { ...(eventsOf(b, 1)[0] as object), page_url: `not a url ${b.markers.page}` } });
    expect(refusedOfB.status).toBe(400);
    await waitFor(
      async () => (await call({ service: 'gateway', method: 'GET', path: '/console/api/rejected', headers: as(b.id, b.token) })).text,
      (text) => text.includes(b.markers.page),
      { timeoutMs: 30_000, what: "B's refused event in B's rejected events" },
    );
    for (const path of ['/console/api/rejected', '/console/api/rejected?source=gateway&limit=200', `/console/api/rejected?reason=${encodeURIComponent('url')}`]) {
      const text = await read(a, path);
      const leaked = [b.id, ...secretsOf(b)].filter((secret) => text.includes(secret));
      if (leaked.length > 0) leaks.push(`${path}: ${leaked.join(', ')}`);
    }
    // The same reads through A's console session (issue 21), and its overview: A's events only.
    for (const path of ['/console/api/rejected', '/console/api/overview', '/api/v1/track/status', '/api/v1/track/dashboard', '/api/v1/tracking/analytics?window=90&limit=100', '/api/v1/tracking/analytics/export?window=7']) {
      const answer = await call({ service: 'gateway', method: 'GET', path, headers: { Cookie: sessions.get(a.id)?.cookie ?? '' } });
      expect({ path, status: answer.status }).toEqual({ path, status: 200 });
      const leaked = [b.id, ...secretsOf(b)].filter((secret) => answer.text.includes(secret));
      if (leaked.length > 0) leaks.push(`${path} (console session): ${leaked.join(', ')}`);
      if (path === '/console/api/overview') expect(JSON.parse(answer.text)).toMatchObject({ customer_id: a.id, totals: { accepted: A_EVENTS } });
    }
    books['read probes as A'] = paths.length + 9;
    books['read answers of A holding anything of B'] = leaks.length;
    books['read answers of A holding A\'s own events'] = aSeesItself;
    expect(leaks).toEqual([]);

    // The health answer is public by seed 000 ("Customer ID only"): it may name B, never B's secrets or data.
    const health = await read(a, `/health/${b.id}`);
    expect(JSON.parse(health)).toMatchObject({ customer_id: b.id, status: 'healthy' });
    expect(secretsOf(b).filter((secret) => health.includes(secret))).toEqual([]);

    // Not vacuous: the same reads as B do show B's events, and A's unfiltered reads show A's own.
    const bAnalytics = JSON.parse(await read(b, '/api/v1/tracking/analytics?window=7')) as { totals: { events: number } };
    expect(bAnalytics.totals.events).toBe(B_EVENTS);
    expect(await read(b, `/api/v1/tracking/analytics/export?event_name=${b.markers.eventName}`)).toContain(b.markers.session);
    const aAnalytics = JSON.parse(await read(a, '/api/v1/tracking/analytics?window=7')) as { totals: { events: number } };
    expect(aAnalytics.totals.events).toBe(A_EVENTS);
    const aFilteredOnB = JSON.parse(await read(a, `/api/v1/tracking/analytics?event_name=${b.markers.eventName}`)) as { totals: { events: number } };
    expect(aFilteredOnB.totals.events).toBe(0);
    expect(aSeesItself).toBeGreaterThan(0);
  });
});
