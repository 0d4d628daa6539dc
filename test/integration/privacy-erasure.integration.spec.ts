import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey } from '@tracking/contracts';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { ErasureList, ErasurePublisher, subjectHash, type ErasureStatus } from '@tracking/privacy';
import { TEST_ADMIN_TOKEN, startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { positionGroup } from '@test/support/kafka-inspection';
import { testRegistrySettings } from '@test/support/test-connection';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';
import { buildEvents, produceEvents, testTenant, uniqueId } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';

/**
 * Erasure as a platform-wide request (issue 20), the vault's part: the request is recorded on
 * privacy.erasures.v1 holding only hashes, the vault erases, the status shows each place, every
 * reader sees the request, and a request taken elsewhere is applied once however many loaders run.
 */
describe(`erasure requests (${TOPICS.privacyErasures}) and the vault`, () => {
  const env = testEnvironment();
  const groupId = `it-privacy-${randomUUID()}`;
  const loaders: RunningService[] = [];
  const stoppers: Array<() => Promise<void>> = [];
  let db: Pool;
  const registry = () => new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl));

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.vaultLoader);
    loaders.push(await startVaultLoader(env, groupId));
  });

  afterAll(async () => {
    await Promise.all(stoppers.map((stop) => stop()));
    await Promise.all(loaders.map((loader) => loader.close()));
    await db?.end();
  });

  const admin = (loader: RunningService, path: string, init: RequestInit = {}) =>
    fetch(`${loader.url}/api/v1/privacy/${path}`, { ...init, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  const subjectRows = async (tenantHk: Buffer, column: 'visitor_id' | 'user_id', ids: string[]) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1 AND ${column} = ANY($2)`, [tenantHk, ids])).rows[0].n;
  const erasureAudits = async (tenantHk: Buffer) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit.audit_event_details_s WHERE tenant_hk = $1 AND endpoint = 'PRIVACY erasure'`, [tenantHk])).rows[0].n;
  const loadedCount = (tenantHk: Buffer, expected: number) =>
    waitFor(async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1`, [tenantHk])).rows[0].n, (n) => n >= expected, {
      what: `${expected} staged events`,
      timeoutMs: 60_000,
    });

  it('records a request holding only hashes, erases the vault, shows the vault done and the other places pending, and is seen by another reader', async () => {
    const customer = testTenant();
    const tenantHk = tenantHashKey(customer);
    const visitor = uniqueId('visitor');
    const otherDevice = uniqueId('visitor');
    const user = uniqueId('user');
    await produceEvents(
      env,
      buildEvents(customer, [
        { event_type: 'page_view', page_url: 'https://erase.example/a', session_id: uniqueId('s'), visitor_id: visitor },
        { event_type: 'identity', session_id: uniqueId('s'), visitor_id: visitor, user_id: user },
        { event_type: 'page_view', page_url: 'https://erase.example/b', session_id: uniqueId('s'), visitor_id: otherDevice, user_id: user },
        { event_type: 'page_view', page_url: 'https://erase.example/c', session_id: uniqueId('s'), visitor_id: uniqueId('bystander') },
      ]),
    );
    await loadedCount(tenantHk, 4);

    const started = Date.now();
    const response = await admin(loaders[0], 'erasures', { method: 'POST', body: JSON.stringify({ customer_id: customer, visitor_id: visitor, requested_by: 'ticket-42' }) });
    const erasedMs = Date.now() - started;
    const body = (await response.json()) as { request_id: string; erased_visitors: number; erased_users: number };
    expect({ status: response.status, body }).toMatchObject({ status: 200, body: { customer_id: customer, erased_visitors: 2, erased_users: 1 } });
    expect(await subjectRows(tenantHk, 'visitor_id', [visitor, otherDevice])).toBe(0);
    expect(await subjectRows(tenantHk, 'user_id', [user])).toBe(0);

    // Another reader (any instance of any service) has the request, named by hashes only.
    const reader = new ErasureList(testKafka(env.kafkaBrokers, 'it-privacy-reader'), registry(), pino({ level: 'silent' }), { readerName: 'it-privacy' });
    stoppers.push(() => reader.stop());
    await reader.start();
    const [record] = reader.requests(customer);
    expect(record).toMatchObject({ request_id: body.request_id, requested_by: 'ticket-42' });
    expect(record.visitor_hks.sort()).toEqual([subjectHash(customer, visitor), subjectHash(customer, otherDevice)].sort());
    expect(record.user_hks).toEqual([subjectHash(customer, user)]);
    for (const id of [visitor, otherDevice, user]) expect(JSON.stringify(record)).not.toContain(id);
    expect(reader.isErased(customer, { userId: user })).toBe(true);
    expect(reader.isErased(customer, { visitorId: 'someone-else' })).toBe(false);

    const status = await waitFor(
      async () => (await (await admin(loaders[0], `erasures/${body.request_id}`)).json()) as ErasureStatus,
      (answer) => answer.places?.vault?.state === 'done',
      { what: "the vault's report in the status" },
    );
    expect(status).toMatchObject({ request_id: body.request_id, customer_id: customer, subjects: { visitors: 2, users: 1 } });
    expect(status.places.vault).toMatchObject({ state: 'done', found: 3, removed: 3 });
    expect(status.places.exporter.state).toBe('pending');
    expect(status.places['automation-trigger'].state).toBe('pending');
    const listed = (await (await admin(loaders[0], `erasures?customer_id=${customer}`)).json()) as { requests: ErasureStatus[] };
    expect(listed.requests.map((entry) => entry.request_id)).toEqual([body.request_id]);
    expect((await admin(loaders[0], `erasures/${randomUUID()}`)).status).toBe(404);
    expect((await admin(loaders[0], 'erasures')).status).toBe(400);
    // The audit keeps the fact, not the person.
    expect(await erasureAudits(tenantHk)).toBe(1);
    const audit = await db.query<{ t: string }>(`SELECT t::text AS t FROM audit.audit_event_details_s t WHERE tenant_hk = $1`, [tenantHk]);
    for (const id of [visitor, otherDevice, user]) expect(audit.rows.map((row) => row.t).join('\n')).not.toContain(id);
    process.stdout.write(`erasure request answered in ${erasedMs} ms\n`);

    // A loader restarting reads the request again and finds it applied: nothing is erased twice.
    await loaders.shift()?.close();
    loaders.push(await startVaultLoader(env, groupId));
    await waitFor(async () => (await admin(loaders[0], `erasures/${body.request_id}`)).status, (code) => code === 200, { what: 'the restarted loader reading the list' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await erasureAudits(tenantHk)).toBe(1);
  });

  it('applies a request taken elsewhere (only on the topic) once, however many loaders follow the list', async () => {
    const customer = testTenant();
    const tenantHk = tenantHashKey(customer);
    const visitor = uniqueId('visitor');
    const user = uniqueId('user');
    await produceEvents(
      env,
      buildEvents(customer, [
        { event_type: 'page_view', page_url: 'https://erase.example/x', session_id: uniqueId('s'), visitor_id: visitor },
        { event_type: 'identity', session_id: uniqueId('s'), visitor_id: visitor, user_id: user },
      ]),
    );
    await loadedCount(tenantHk, 2);
    loaders.push(await startVaultLoader(env, groupId));

    const publisher = new ErasurePublisher(testKafka(env.kafkaBrokers, 'it-privacy-publisher'), registry());
    stoppers.push(() => publisher.disconnect());
    const requestId = randomUUID();
    const publishedAt = Date.now();
    await publisher.publish({
      request_id: requestId,
      customer_id: customer,
      requested_at: Date.now(),
      requested_by: 'another instance',
      visitor_hks: [subjectHash(customer, visitor)],
      user_hks: [subjectHash(customer, user)],
    });

    await waitFor(async () => subjectRows(tenantHk, 'visitor_id', [visitor]), (n) => n === 0, { what: 'the vault erased from the topic', intervalMs: 20 });
    process.stdout.write(`request taken elsewhere applied to the vault ${Date.now() - publishedAt} ms after it was published\n`);
    expect(await subjectRows(tenantHk, 'user_id', [user])).toBe(0);
    const status = await waitFor(
      async () => (await (await admin(loaders[1], `erasures/${requestId}`)).json()) as ErasureStatus,
      (answer) => answer.places?.vault?.state === 'done',
      { what: "the vault's report" },
    );
    expect(status.places.vault).toMatchObject({ found: 2, removed: 2 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await erasureAudits(tenantHk)).toBe(1);
    const registered = await db.query<{ subject_type: string }>(`SELECT subject_type FROM privacy.erasures WHERE tenant_hk = $1 ORDER BY subject_type`, [tenantHk]);
    expect(registered.rows).toEqual([{ subject_type: 'user' }, { subject_type: 'visitor' }]);
  });
});
