import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey, type AuditRecord } from '@tracking/contracts';
import { startAppProcess, type AppProcess } from '@test/support/app-process';
import {
  TEST_ADMIN_TOKEN,
  exporterSettings,
  startAutomationTrigger,
  startGateway,
  startVaultLoader,
  type RunningService,
} from '@test/support/in-process-services';
import { positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { readTopic, topicPositions, type Positions } from '@test/support/topic-reader';
import { waitFor } from '@test/support/wait-for';

interface Call {
  name: string;
  service: AuditRecord['service'];
  endpoint: string;
  status: number;
  actor: string;
  customerId: string | null;
  /** The rows the record must count: a number, 'positive', 'counted' (any number: it depends on what the instance holds), or null (a route that returns none). */
  rows: number | 'positive' | 'counted' | null;
  send: () => Promise<Response>;
}

/**
 * Issue 20 item 5 (seed 000's "complete audit trail for all data access"): every read and admin
 * route of every service, called once, leaves exactly one audit record on tracking.audit.v1 (named
 * by the answer's X-Request-ID) saying which service, who by role, what, how many rows and with
 * what outcome, and the vault loader loads each into the audit satellite. No record holds a token,
 * the admin token or the caller's address.
 */
describe('the read audit: one record per read or admin call, on the topic and in the vault', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const groupId = `it-read-audit-${randomUUID()}`;
  let gateway: RunningService;
  let loader: RunningService;
  let automation: RunningService;
  let exporter: AppProcess;
  let db: Pool;
  let customer: TestCustomer;
  let from: Positions;
  const answered = new Map<string, { call: Call; status: number; id: string }>();

  const asCustomer = (path: string) => fetch(`${gateway.url}${path}`, { headers: { 'X-Customer-ID': customer.id, Authorization: `Bearer ${customer.token}` } });
  const asOperator = (url: string, method = 'GET', body?: unknown) =>
    fetch(url, {
      method,
      headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'X-Applied-By': 'it-auditor', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const calls = (): Call[] => [
    { name: 'analytics', service: 'gateway', endpoint: 'GET /api/v1/tracking/analytics', status: 200, actor: 'customer_token', customerId: customer.id, rows: 'positive', send: () => asCustomer('/api/v1/tracking/analytics?window=7&event_type=page_view') },
    { name: 'analytics by site', service: 'gateway', endpoint: 'GET /api/v1/tracking/analytics/sites', status: 200, actor: 'customer_token', customerId: customer.id, rows: 'positive', send: () => asCustomer('/api/v1/tracking/analytics/sites?window=7') },
    { name: 'CSV export', service: 'gateway', endpoint: 'GET /api/v1/tracking/analytics/export', status: 200, actor: 'customer_token', customerId: customer.id, rows: 6, send: () => asCustomer('/api/v1/tracking/analytics/export?window=7') },
    { name: 'pipeline status', service: 'gateway', endpoint: 'GET /api/v1/track/status', status: 200, actor: 'customer_token', customerId: customer.id, rows: 'positive', send: () => asCustomer('/api/v1/track/status') },
    { name: 'dashboard', service: 'gateway', endpoint: 'GET /api/v1/track/dashboard', status: 200, actor: 'customer_token', customerId: customer.id, rows: 'positive', send: () => asCustomer('/api/v1/track/dashboard') },
    { name: 'export status', service: 'exporter', endpoint: 'GET /api/v1/export/status', status: 200, actor: 'operator:it-auditor', customerId: null, rows: 'counted', send: () => asOperator(`${exporter.url}/api/v1/export/status?scope=instance`) },
    { name: 'export config', service: 'exporter', endpoint: 'GET /api/v1/export/config', status: 200, actor: 'operator:it-auditor', customerId: null, rows: 'counted', send: () => asOperator(`${exporter.url}/api/v1/export/config`) },
    { name: 'export run', service: 'exporter', endpoint: 'POST /api/v1/export/run', status: 200, actor: 'operator:it-auditor', customerId: null, rows: 0, send: () => asOperator(`${exporter.url}/api/v1/export/run?scope=instance`, 'POST') },
    { name: 'export status without the token', service: 'exporter', endpoint: 'GET /api/v1/export/status', status: 401, actor: 'anonymous', customerId: null, rows: null, send: () => fetch(`${exporter.url}/api/v1/export/status`, { headers: { Authorization: `Bearer ${customer.token}` } }) },
    { name: 'workflows', service: 'automation-trigger', endpoint: 'GET /api/v1/automations/:customerId/workflows', status: 200, actor: 'operator:it-auditor', customerId: customer.id, rows: 0, send: () => asOperator(`${automation.url}/api/v1/automations/${customer.id}/workflows`) },
    { name: 'deliveries', service: 'automation-trigger', endpoint: 'GET /api/v1/automations/:customerId/deliveries', status: 200, actor: 'operator:it-auditor', customerId: customer.id, rows: 0, send: () => asOperator(`${automation.url}/api/v1/automations/${customer.id}/deliveries?limit=5`) },
    // Read-only here (CUSTOMERS_DIR): refused, and the refusal is audited like any answer.
    { name: 'workflows replaced', service: 'automation-trigger', endpoint: 'PUT /api/v1/automations/:customerId/workflows', status: 409, actor: 'operator:it-auditor', customerId: customer.id, rows: null, send: () => asOperator(`${automation.url}/api/v1/automations/${customer.id}/workflows`, 'PUT', { workflows: [] }) },
    { name: 'redelivery', service: 'automation-trigger', endpoint: 'POST /api/v1/automations/:customerId/deliveries/:triggerId/redeliver', status: 404, actor: 'operator:it-auditor', customerId: customer.id, rows: null, send: () => asOperator(`${automation.url}/api/v1/automations/${customer.id}/deliveries/no-such-trigger/redeliver`, 'POST') },
    { name: 'subject access', service: 'vault-loader', endpoint: 'POST /api/v1/privacy/access', status: 200, actor: 'operator:it-auditor', customerId: customer.id, rows: 2, send: () => asOperator(`${loader.url}/api/v1/privacy/access`, 'POST', { customer_id: customer.id, visitor_id: 'v-1' }) },
    { name: 'retention run', service: 'vault-loader', endpoint: 'POST /api/v1/privacy/retention/run', status: 200, actor: 'operator:it-auditor', customerId: null, rows: null, send: () => asOperator(`${loader.url}/api/v1/privacy/retention/run`, 'POST') },
    { name: 'erasure', service: 'vault-loader', endpoint: 'POST /api/v1/privacy/erasures', status: 200, actor: 'operator:it-auditor', customerId: customer.id, rows: null, send: () => asOperator(`${loader.url}/api/v1/privacy/erasures`, 'POST', { customer_id: customer.id, visitor_id: 'it-audit-nobody' }) },
    { name: 'erasure requests', service: 'vault-loader', endpoint: 'GET /api/v1/privacy/erasures', status: 200, actor: 'operator:it-auditor', customerId: customer.id, rows: null, send: () => asOperator(`${loader.url}/api/v1/privacy/erasures?customer_id=${customer.id}`) },
  ];

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    customer = writeTestCustomer(customersDir);
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.vaultLoader);
    [gateway, loader, automation, exporter] = await Promise.all([
      startGateway(env, { CUSTOMERS_DIR: customersDir }),
      startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir }),
      startAutomationTrigger(env, `it-read-audit-automation-${randomUUID()}`, customersDir),
      startAppProcess('exporter', 'EXPORTER_PORT', exporterSettings(env, `it-read-audit-exporter-${randomUUID()}`, customersDir)),
    ]);
    const now = Date.now();
    const events = Array.from({ length: 6 }, (_, i) => ({
      event_type: 'page_view',
      event_name: `Page ${i}`,
      page_url: `${customer.origin}/page/${i}`,
      session_id: `s-${i % 2}`,
      visitor_id: `v-${i % 3}`,
      occurred_at: new Date(now - (i + 1) * 60_000).toISOString(),
      consent_state: 'granted',
    }));
    const sent = await fetch(`${gateway.url}/api/v1/track/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': customer.id, Authorization: `Bearer ${customer.token}` },
      body: JSON.stringify({ events }),
    });
    expect(sent.status).toBe(200);
    await waitFor(
      async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1', [tenantHashKey(customer.id)])).rows[0]?.n,
      (n) => n === events.length,
      { what: 'the events staged', timeoutMs: 60_000 },
    );

    from = await topicPositions(env.kafkaBrokers, TOPICS.trackingAudit);
    for (const call of calls()) {
      const response = await call.send();
      await response.arrayBuffer();
      const id = response.headers.get('x-request-id');
      expect({ call: call.name, status: response.status, id: typeof id }).toEqual({ call: call.name, status: call.status, id: 'string' });
      answered.set(id ?? '', { call, status: response.status, id: id ?? '' });
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([gateway?.close(), loader?.close(), automation?.close(), exporter?.stop()]);
    await db?.end();
  });

  it('writes one record per call on tracking.audit.v1: service, who by role, what, when, rows and outcome', async () => {
    const ids = [...answered.keys()];
    const records = await readTopic<AuditRecord>(env, TOPICS.trackingAudit, from, (seen) => ids.every((id) => seen.some((record) => record.value.audit_id === id)), 30_000);
    const rows: Array<Record<string, unknown>> = [];
    for (const { call, id } of answered.values()) {
      const mine = records.filter((record) => record.value.audit_id === id).map((record) => record.value);
      expect({ call: call.name, records: mine.length }).toEqual({ call: call.name, records: 1 });
      const record = mine[0] as AuditRecord;
      rows.push({ call: call.name, service: record.service, actor: record.actor, rows: record.rows_returned, outcome: record.outcome, ms: Math.round(record.latency_ms) });
      expect(record).toMatchObject({ service: call.service, endpoint: call.endpoint, status_code: call.status, actor: call.actor, customer_id: call.customerId });
      expect(Math.abs(record.occurred_at - Date.now())).toBeLessThan(120_000);
      if (call.rows === 'counted') expect(typeof record.rows_returned).toBe('number');
      else if (call.rows === 'positive') expect({ call: call.name, rows: Number(record.rows_returned) > 0 }).toEqual({ call: call.name, rows: true });
      else expect({ call: call.name, rows: record.rows_returned }).toEqual({ call: call.name, rows: call.rows });
      // Never a credential or an address; a person's id only as its hash key.
      const text = JSON.stringify(record);
      for (const secret of [customer.token, TEST_ADMIN_TOKEN, '127.0.0.1', 'it-audit-nobody', '"v-1"']) expect(text).not.toContain(secret);
    }
    console.table(rows);
    const analytics = records.find((record) => record.value.endpoint === 'GET /api/v1/tracking/analytics' && answered.has(record.value.audit_id))?.value;
    expect(JSON.parse(analytics?.request_params ?? '{}')).toEqual({ window: '7', event_type: 'page_view' });
    const erasure = records.find((record) => record.value.endpoint === 'POST /api/v1/privacy/erasures' && answered.has(record.value.audit_id))?.value;
    expect(JSON.parse(erasure?.request_params ?? '{}')).toEqual({ customer_id: customer.id, visitor_id: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  }, 60_000);

  it('loads every one of those records into the vault audit satellite', async () => {
    const ids = [...answered.keys()];
    const loaded = await waitFor(
      async () =>
        (
          await db.query<{ audit_bk: string; service: string; actor: string; rows_returned: string | null; status_code: number; request_params: string | null }>(
            `SELECT h.audit_bk, s.service, s.actor, s.rows_returned, s.status_code, s.request_params
               FROM audit.audit_event_h h JOIN audit.audit_event_details_s s USING (audit_hk) WHERE h.audit_bk = ANY($1)`,
            [ids],
          )
        ).rows,
      (rows) => rows.length === ids.length,
      { what: 'every audit record in the vault', timeoutMs: 60_000 },
    );
    for (const row of loaded) {
      const { call } = answered.get(row.audit_bk) ?? {};
      expect({ service: row.service, actor: row.actor, status: row.status_code }).toEqual({ service: call?.service, actor: call?.actor, status: call?.status });
      if (typeof call?.rows === 'number') expect(Number(row.rows_returned)).toBe(call.rows);
    }
  }, 90_000);
});
