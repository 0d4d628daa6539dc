import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DEV_TOKENS, PUBLISHABLE_KEYS } from '@test/fixtures/seed-000-examples';
import { TEST_ADMIN_TOKEN, startGateway, type RunningService } from '@test/support/in-process-services';
import { migrateAll } from '@test/support/stack-commands';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

interface IssuedKey {
  key_id: string;
  publishable_key: string;
  secret: string;
  status: string;
  expires_at: string | null;
  last_used_at: string | null;
}

/** A database of this test's own, so it can be taken away from the gateway without touching others. */
async function scratchDatabase(serverUrl: string, migrate: boolean): Promise<{ url: string; admin: Client; name: string }> {
  const name = `it_keys_${randomBytes(4).toString('hex')}`;
  const adminUrl = new URL(serverUrl);
  adminUrl.pathname = '/postgres';
  const admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  if (migrate) await migrateAll(url.toString());
  return { url: url.toString(), admin, name };
}

async function dropDatabase(scratch: { admin: Client; name: string }): Promise<void> {
  await scratch.admin.query(`ALTER DATABASE ${scratch.name} WITH ALLOW_CONNECTIONS true`);
  await scratch.admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [scratch.name]);
  await scratch.admin.query(`DROP DATABASE IF EXISTS ${scratch.name}`);
  await scratch.admin.end();
}

describe('tracking keys', () => {
  const env = testEnvironment();
  let gateway: RunningService;

  const admin = (path: string, init: RequestInit = {}, token = TEST_ADMIN_TOKEN) =>
    fetch(`${gateway.url}/api/v1/tracking/keys${path}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
    });
  const track = (customerId: string, secret: string) =>
    fetch(`${gateway.url}/api/v1/track`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': customerId, Authorization: `Bearer ${secret}` },
      body: JSON.stringify({ event_type: 'page_view' }),
    });
  const create = async (customerId: string): Promise<IssuedKey> => {
    const response = await admin('/', { method: 'POST', body: JSON.stringify({ customer_id: customerId, description: 'integration test' }) });
    expect(response.status).toBe(201);
    return (await response.json()) as IssuedKey;
  };

  beforeAll(async () => {
    gateway = await startGateway(env, { TRACKING_KEY_CACHE_REFRESH_SECONDS: '1' });
  });

  afterAll(() => gateway?.close());

  it('refuses the keys API without the admin token', async () => {
    expect((await admin('/?customer_id=retail_chain', {}, '')).status).toBe(401);
    expect((await admin('/?customer_id=retail_chain', {}, DEV_TOKENS.retail_chain)).status).toBe(401);
  });

  it('creates a key whose secret authenticates the API and whose publishable id the browser, and lists it without the secret', async () => {
    const key = await create('retail_chain');
    expect(key).toMatchObject({ key_id: expect.stringMatching(/^key_/), publishable_key: expect.stringMatching(/^pk_live_/), secret: expect.stringMatching(/^sk_live_/), status: 'active' });
    expect((await track('retail_chain', key.secret)).status).toBe(200);
    expect((await track('one_spa', key.secret)).status).toBe(403);
    const collect = await fetch(`${gateway.url}/api/v1/tracking/collect?customer_id=retail_chain&key=${key.publishable_key}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://retailchain.com' },
      body: JSON.stringify({ event_type: 'page_view' }),
    });
    expect(collect.status).toBe(200);

    const listed = await waitFor(
      async () => ((await (await admin('/?customer_id=retail_chain')).json()) as { keys: IssuedKey[] }).keys.find((k) => k.key_id === key.key_id),
      (found) => Boolean(found?.last_used_at),
      { timeoutMs: 15_000, what: 'last_used_at recorded' },
    );
    expect(listed).not.toHaveProperty('secret');
    expect(JSON.stringify(listed)).not.toContain(key.secret);
  });

  it('rotates with an overlap during which both keys work, and revokes at once', async () => {
    const old = await create('retail_chain');
    const rotated = await admin(`/${old.key_id}/rotate`, { method: 'POST', body: JSON.stringify({ overlap_seconds: 3600 }) });
    expect(rotated.status).toBe(201);
    const { key, previous } = (await rotated.json()) as { key: IssuedKey; previous: IssuedKey };
    expect(previous).toMatchObject({ key_id: old.key_id, status: 'expiring', expires_at: expect.any(String) });
    expect((await track('retail_chain', old.secret)).status).toBe(200);
    expect((await track('retail_chain', key.secret)).status).toBe(200);

    const revoked = await admin(`/${old.key_id}`, { method: 'DELETE' });
    expect(await revoked.json()).toMatchObject({ key_id: old.key_id, status: 'revoked' });
    expect((await track('retail_chain', old.secret)).status).toBe(401);
    expect((await track('retail_chain', key.secret)).status).toBe(200);

    const immediate = await admin(`/${key.key_id}/rotate`, { method: 'POST', body: JSON.stringify({ overlap_seconds: 0 }) });
    const replacement = ((await immediate.json()) as { key: IssuedKey }).key;
    expect((await track('retail_chain', key.secret)).status).toBe(401);
    expect((await track('retail_chain', replacement.secret)).status).toBe(200);
  });

  it('names what is wrong with a key request', async () => {
    const response = await admin('/', { method: 'POST', body: JSON.stringify({ customer_id: 'No Such!' }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ details: [{ field: 'customer_id' }] });
    expect((await admin('/', { method: 'POST', body: JSON.stringify({ customer_id: 'nobody_here' }) })).status).toBe(404);
    expect((await admin('/key_does_not_exist/rotate', { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('keeps authenticating with cached keys while the database is away', async () => {
    const scratch = await scratchDatabase(env.databaseUrl, true);
    const own = await startGateway(env, { DATABASE_URL: scratch.url, TRACKING_KEY_CACHE_REFRESH_SECONDS: '1' });
    try {
      const response = await fetch(`${own.url}/api/v1/tracking/keys`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
        body: JSON.stringify({ customer_id: 'retail_chain' }),
      });
      const key = (await response.json()) as IssuedKey;

      await scratch.admin.query(`ALTER DATABASE ${scratch.name} WITH ALLOW_CONNECTIONS false`);
      await scratch.admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [scratch.name]);
      await new Promise((resolve) => setTimeout(resolve, 2500)); // at least two failed cache refreshes

      const during = await fetch(`${own.url}/api/v1/track`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Customer-ID': 'retail_chain', Authorization: `Bearer ${key.secret}` },
        body: JSON.stringify({ event_type: 'page_view' }),
      });
      expect(during.status).toBe(200);
      const keysApi = await fetch(`${own.url}/api/v1/tracking/keys?customer_id=retail_chain`, { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      expect(keysApi.status).toBe(503);
      expect(await keysApi.json()).toMatchObject({ error_code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await own.close();
      await dropDatabase(scratch);
    }
  });

  it('answers a genuine fault with 500 INTERNAL_ERROR in the seed\'s shape, without internals', async () => {
    const scratch = await scratchDatabase(env.databaseUrl, false); // no migrations: the keys table is missing
    const broken = await startGateway(env, { DATABASE_URL: scratch.url });
    try {
      const response = await fetch(`${broken.url}/api/v1/tracking/keys?customer_id=retail_chain`, { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      expect(response.status).toBe(500);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ success: false, error_code: 'INTERNAL_ERROR', error: 'Internal error; the request was not processed' });
      expect(JSON.stringify(body)).not.toMatch(/relation|tracking_keys|stack/i);
      // Ingestion does not depend on the key table.
      const tracked = await fetch(`${broken.url}/api/v1/track`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Customer-ID': 'one_spa', Authorization: `Bearer ${DEV_TOKENS.one_spa}` },
        body: JSON.stringify({ event_type: 'page_view' }),
      });
      expect(tracked.status).toBe(200);
    } finally {
      await broken.close();
      await dropDatabase(scratch);
    }
  });

  it('never accepts a publishable key as a bearer token', async () => {
    expect((await track('retail_chain', PUBLISHABLE_KEYS.retail_chain)).status).toBe(401);
  });
});
