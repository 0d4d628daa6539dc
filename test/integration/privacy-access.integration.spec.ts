import { randomBytes, randomUUID } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey, type AuditRecord } from '@tracking/contracts';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { startAppProcess, type AppProcess } from '@test/support/app-process';
import { EXPORTER_ON_STACK_S3, TEST_ADMIN_TOKEN, exporterSettings, startGateway, startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, testS3Export, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { readTopic, topicPositions } from '@test/support/topic-reader';
import { waitFor } from '@test/support/wait-for';

interface Sent {
  event_id: string;
  visitor_id: string;
  user_id?: string;
  session_id: string;
}

interface AccessReport {
  success: boolean;
  complete: boolean;
  missing: Array<{ part: string; reason: string }>;
  linked: { visitor_ids: string[]; user_ids: string[]; session_ids: string[] };
  vault: {
    events: Array<{ event_id: string; payload: Record<string, unknown> }>;
    sessions: Array<{ id: string; details: unknown[] }>;
    visitors: Array<{ id: string; details: Array<Record<string, unknown>> }>;
    users: Array<{ id: string; visitor_ids: string[] }>;
  };
  exports: { exported: boolean; bucket: string | null; records: Array<{ bucket: string; key: string; record: Record<string, unknown> }> } | null;
}

/**
 * Issue 20 item 2 (GDPR art. 15 and 20): POST /api/v1/privacy/access on the vault loader returns
 * exactly the subject's events and those of the ids linked to it (a second device through the
 * same user id), none of another subject of the same customer and none of another customer's
 * visitor with the same id, from the vault and from the exported objects (the real exporter's
 * access route, on its bucket); with the exporter unreachable it answers the vault part and names
 * the exported part as missing; and the request is audited without the subject's ids.
 */
describe('privacy access: everything held about a subject, tenant-scoped', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const groupId = `it-privacy-access-${randomUUID()}`;
  let gateway: RunningService;
  let loader: RunningService;
  /** A second loader whose EXPORTER_URL leads nowhere. */
  let cutOff: RunningService;
  let exporter: AppProcess;
  let db: Pool;
  const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  const bucket = `it-access-${randomBytes(4).toString('hex')}`;
  let shop: TestCustomer;
  let other: TestCustomer;
  const sent = new Map<string, Sent[]>();

  const events = (customer: TestCustomer, who: Omit<Sent, 'event_id'>, count: number): Sent[] =>
    Array.from({ length: count }, (_, i) => ({ ...who, event_id: `${customer.id}-${who.visitor_id}-${i}-${randomUUID().slice(0, 8)}` }));
  const post = async (customer: TestCustomer, list: Sent[]) => {
    const now = Date.now();
    const response = await fetch(`${gateway.url}/api/v1/track/bulk`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': customer.id, Authorization: `Bearer ${customer.token}` },
      body: JSON.stringify({
        events: list.map((event, i) => ({ ...event, event_type: 'page_view', event_name: 'Home', page_url: `${customer.origin}/p/${i}`, occurred_at: new Date(now - (i + 1) * 1000).toISOString(), consent_state: 'granted' })),
      }),
    });
    expect(response.status).toBe(200);
    sent.set(customer.id, [...(sent.get(customer.id) ?? []), ...list]);
  };
  const access = async (body: Record<string, unknown>, via: RunningService = loader) => {
    const response = await fetch(`${via.url}/api/v1/privacy/access`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, id: response.headers.get('x-request-id'), body: (await response.json()) as AccessReport };
  };

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    shop = writeTestCustomer(customersDir, { s3Export: testS3Export({ clientBucket: bucket, prefix: 'access', schedule: 'daily' }) });
    other = writeTestCustomer(customersDir);
    const exporterGroup = `it-privacy-access-exporter-${randomUUID()}`;
    const cutOffGroup = `it-privacy-access-cut-off-${randomUUID()}`;
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.vaultLoader);
    await positionGroup(env.kafkaBrokers, cutOffGroup, CONSUMER_SUBSCRIPTIONS.vaultLoader);
    await positionGroup(env.kafkaBrokers, exporterGroup, CONSUMER_SUBSCRIPTIONS.exporter);
    exporter = await startAppProcess('exporter', 'EXPORTER_PORT', exporterSettings(env, exporterGroup, customersDir, EXPORTER_ON_STACK_S3));
    [gateway, loader, cutOff] = await Promise.all([
      startGateway(env, { CUSTOMERS_DIR: customersDir }),
      startVaultLoader(env, groupId, { CUSTOMERS_DIR: customersDir, EXPORTER_URL: exporter.url }),
      // Nothing listens on port 9: the exporter is unreachable.
      startVaultLoader(env, cutOffGroup, { CUSTOMERS_DIR: customersDir, EXPORTER_URL: 'http://127.0.0.1:9' }),
    ]);
    await post(shop, [
      ...events(shop, { visitor_id: 'v-subject', user_id: 'u-subject', session_id: 's-1' }, 3),
      // The same person on a second device: linked through the user id.
      ...events(shop, { visitor_id: 'v-phone', user_id: 'u-subject', session_id: 's-2' }, 2),
      ...events(shop, { visitor_id: 'v-phone', session_id: 's-3' }, 1),
      ...events(shop, { visitor_id: 'v-someone-else', user_id: 'u-else', session_id: 's-4' }, 3),
    ]);
    // Another customer's visitor with the same id is another person.
    await post(other, events(other, { visitor_id: 'v-subject', user_id: 'u-subject', session_id: 's-1' }, 2));
    const staged = async (customer: TestCustomer) =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1', [tenantHashKey(customer.id)])).rows[0]?.n;
    await waitFor(async () => [await staged(shop), await staged(other)], ([mine, theirs]) => mine === 9 && theirs === 2, { what: 'every event staged', timeoutMs: 60_000 });
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([gateway?.close(), loader?.close(), cutOff?.close(), exporter?.stop()]);
    await db?.end();
    s3.destroy();
  });

  it("returns exactly the subject's events and its linked ids', as received, and none of anyone else's", async () => {
    const { status, body } = await access({ customer_id: shop.id, visitor_id: 'v-subject' });

    expect(status).toBe(200);
    const expected = (sent.get(shop.id) ?? []).filter((event) => event.visitor_id === 'v-subject' || event.visitor_id === 'v-phone');
    expect(body.vault.events.map((event) => event.event_id).sort()).toEqual(expected.map((event) => event.event_id).sort());
    expect([...body.linked.visitor_ids].sort()).toEqual(['v-phone', 'v-subject']);
    expect(body.linked.user_ids).toEqual(['u-subject']);
    expect([...body.linked.session_ids].sort()).toEqual(['s-1', 's-2', 's-3']);
    // The raw payload is the record as the topic carried it.
    for (const event of body.vault.events) expect(event.payload).toMatchObject({ event_id: event.event_id, customer_id: shop.id });
    expect(body.vault.visitors.map((visitor) => visitor.id).sort()).toEqual(['v-phone', 'v-subject']);
    expect(body.vault.sessions.map((session) => session.id).sort()).toEqual(['s-1', 's-2', 's-3']);
    expect(body.vault.users).toEqual([{ id: 'u-subject', visitor_ids: ['v-phone', 'v-subject'] }]);
    const text = JSON.stringify(body);
    expect(text).not.toContain('v-someone-else');
    expect(text).not.toContain('u-else');
    expect(text).not.toContain(other.id);
  });

  it("returns exactly the same events from the customer's exported objects, each with its bucket and key", async () => {
    const expected = (sent.get(shop.id) ?? []).filter((event) => event.visitor_id === 'v-subject' || event.visitor_id === 'v-phone').map((event) => event.event_id).sort();
    // The export is daily: ask the exporter to close its open objects until they hold every event of the shop.
    const report = await waitFor(
      async () => {
        await fetch(`${exporter.url}/api/v1/export/run?customer_id=${shop.id}`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
        return (await access({ customer_id: shop.id, visitor_id: 'v-subject' })).body;
      },
      (body) => (body.exports?.records.length ?? 0) >= expected.length,
      { what: "the subject's events exported", timeoutMs: 60_000 },
    );
    expect(report).toMatchObject({ complete: true, missing: [], exports: { exported: true, bucket } });
    expect((report.exports?.records ?? []).map((entry) => String(entry.record['event_id'])).sort()).toEqual(expected);
    for (const entry of report.exports?.records ?? []) expect(entry).toMatchObject({ bucket, key: expect.stringContaining(`customer=${shop.id}/`) });
    expect(JSON.stringify(report.exports)).not.toContain('v-someone-else');
  }, 90_000);

  it('starts from a user id as well', async () => {
    const { body } = await access({ customer_id: shop.id, user_id: 'u-subject' });
    expect(body.vault.events).toHaveLength(6);
  });

  it('answers the vault part and says the exported part is missing when the exporter cannot be asked', async () => {
    const { status, body } = await access({ customer_id: shop.id, visitor_id: 'v-subject' }, cutOff);
    expect(status).toBe(200);
    expect(body.vault.events).toHaveLength(6);
    expect(body).toMatchObject({ complete: false, exports: null, missing: [{ part: 'exports', reason: expect.stringContaining('the exporter did not answer') }] });
  });

  it('refuses a request naming no one, and one without the admin token', async () => {
    expect((await access({ customer_id: shop.id })).status).toBe(400);
    const anonymous = await fetch(`${loader.url}/api/v1/privacy/access`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ customer_id: shop.id, visitor_id: 'v-subject' }) });
    expect(anonymous.status).toBe(401);
  });

  it('is audited: who, what (ids as hash keys), how many rows, with no id of the subject in the record', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingAudit);
    const { id, body } = await access({ customer_id: shop.id, visitor_id: 'v-subject' });
    const records = await readTopic<AuditRecord>(env, TOPICS.trackingAudit, from, (seen) => seen.some((record) => record.value.audit_id === id));
    const record = records.find((entry) => entry.value.audit_id === id)?.value;
    expect(record).toMatchObject({ service: 'vault-loader', endpoint: 'POST /api/v1/privacy/access', customer_id: shop.id, actor: 'operator', status_code: 200, rows_returned: body.vault.events.length + (body.exports?.records.length ?? 0) });
    expect(JSON.stringify(record)).not.toContain('v-subject');
  });
});
