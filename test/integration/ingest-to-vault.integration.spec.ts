import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey, valueSubject } from '@tracking/contracts';
import { DEV_TOKENS, SEED_000_EVENTS } from '@test/fixtures/seed-000-examples';
import { startGateway, startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { groupLag, positionGroup, readRecord } from '@test/support/kafka-inspection';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';
import { testSchemaRegistry } from '@test/support/test-connection';

type Customer = keyof typeof DEV_TOKENS;

/** What the vault loader consumes: a replay repositions its group on all of these. */
const LOADED_TOPICS = CONSUMER_SUBSCRIPTIONS.vaultLoader;

interface RawRow {
  event_id: string;
  customer_id: string;
  tenant_hk: Buffer;
  kafka_partition: number;
  kafka_offset: string;
  schema_id: number;
  load_date: Date;
  raw_payload: Record<string, unknown>;
}

describe('an event from the gateway to the vault', () => {
  const env = testEnvironment();
  const groupId = `it-vault-loader-${randomUUID()}`;
  let gateway: RunningService;
  let loader: RunningService;
  let db: Pool;
  let start: Map<string, Map<number, string>>;

  // one_spa (HIPAA) keeps server-side events only with consent stated (privacy.server_events_consent: require).
  const withConsent = (body: unknown): unknown =>
    typeof body === 'object' && body !== null && !Array.isArray(body) && !('consent_state' in body) ? { ...body, consent_state: 'granted' } : body;
  const post = (body: unknown, customer: Customer = 'one_spa', headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}/api/v1/track`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Customer-ID': customer,
        Authorization: `Bearer ${DEV_TOKENS[customer]}`,
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(customer === 'one_spa' ? withConsent(body) : body),
    });

  const rowsOf = async (eventIds: string[]): Promise<RawRow[]> =>
    (await db.query<RawRow>('SELECT * FROM raw.site_tracking_events_r WHERE event_id = ANY($1) ORDER BY event_id', [eventIds])).rows;

  const loaded = (eventIds: string[]) =>
    waitFor(() => rowsOf(eventIds), (rows) => rows.length === eventIds.length, { what: `${eventIds.length} rows in the raw layer` });

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    // Start at the end of the topic: the tests wait for their own events, not for the broker's history.
    start = await positionGroup(env.kafkaBrokers, groupId, LOADED_TOPICS);
    [gateway, loader] = await Promise.all([startGateway(env), startVaultLoader(env, groupId)]);
  });

  afterAll(async () => {
    await Promise.allSettled([gateway?.close(), loader?.close()]);
    await db?.end();
  });

  it('answers 200 only with the event id, and the loader writes it to raw.site_tracking_events_r', async () => {
    const sessionId = `sess_it_${randomUUID()}`;
    const response = await post({ ...SEED_000_EVENTS.basicPageView, event_data: { ...SEED_000_EVENTS.basicPageView.event_data, session_id: sessionId } });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({
      success: true,
      customer_id: 'one_spa',
      tenant_hk: tenantHashKey('one_spa').toString('hex'),
      tracking_result: { allowed: true, suspicious: false },
    });

    const [row] = await loaded([answer['event_id'] as string]);
    expect(row.customer_id).toBe('one_spa');
    expect(row.tenant_hk.equals(tenantHashKey('one_spa'))).toBe(true);
    expect(row.load_date.toISOString()).toBe(answer['timestamp']);
    expect(row.raw_payload).toMatchObject({
      event_type: 'page_view',
      session_id: sessionId,
      location_id: 'spa_downtown_location',
      page_url: 'https://onespa.com/services/massage-therapy',
      source: 'api',
    });
    // one_spa asks for IP hashing: neither the address nor its network leaves the gateway.
    expect(row.raw_payload['ip_address']).toMatch(/^hmac:[0-9a-f]{32}$/);
  });

  it('puts Confluent-framed Avro with a registered schema id and CloudEvents headers on the topic', async () => {
    const response = await post({ event_type: 'search', page_url: 'https://retailchain.com/search?q=gift', session_id: `sess_it_${randomUUID()}` }, 'retail_chain');
    const { event_id: eventId } = (await response.json()) as { event_id: string };
    const [row] = await loaded([eventId]);

    const message = await readRecord(env.kafkaBrokers, TOPICS.trackingEvents, row.kafka_partition, row.kafka_offset);
    const value = message.value as Buffer;
    expect(value[0]).toBe(0);
    const schemaId = value.readInt32BE(1);
    expect(schemaId).toBe(row.schema_id);

    const registry = testSchemaRegistry(env.schemaRegistryUrl);
    const versions = (await (await fetch(`${env.schemaRegistryUrl}/schemas/ids/${schemaId}/versions`)).json()) as Array<{ subject: string }>;
    expect(versions.map((version) => version.subject)).toContain(valueSubject(TOPICS.trackingEvents));
    await expect(registry.decode(value)).resolves.toMatchObject({ event_id: eventId, customer_id: 'retail_chain', event_type: 'search' });

    expect(message.key?.toString()).toBe(`retail_chain:${row.raw_payload['session_id']}`);
    expect(Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, header]) => [name, String(header)]))).toMatchObject({
      ce_specversion: '1.0',
      ce_id: eventId,
      ce_type: 'io.trackingplatform.event.search',
      ce_source: '/customers/retail_chain',
      'content-type': 'application/avro',
    });
    // retail_chain keeps the default: the client address truncated to its /24.
    expect(row.raw_payload['ip_address']).toBe('127.0.0.0/24');
  });

  it('loads every request example of seed 000 with its fields intact', async () => {
    const ids: string[] = [];
    for (const [name, example] of Object.entries(SEED_000_EVENTS)) {
      const response = await post({ ...example, event_id: `it-${name}-${randomUUID()}` });
      expect(response.status).toBe(200);
      ids.push(((await response.json()) as { event_id: string }).event_id);
    }
    const rows = await loaded(ids);
    const byType = new Map(rows.map((row) => [row.raw_payload['event_type'], row.raw_payload]));
    expect(JSON.parse(byType.get('item_interaction')?.['event_data'] as string)).toEqual(SEED_000_EVENTS.ecommerceItemInteraction.event_data);
    expect(byType.get('item_interaction')).toMatchObject({ user_id: 'customer_789', utm_source: 'instagram', utm_campaign: 'holiday_beauty_2024' });
    expect(byType.get('transaction_step')).toMatchObject({ location_id: 'store_sf_union_square', session_id: 'sess_omnichannel_456' });
    expect(byType.get('appointment_interaction')).toMatchObject({ location_id: 'clinic_north_branch', user_id: 'patient_hashed_abc123' });
  });

  describe('when the request is refused', () => {
    const marker = `sess_refused_${randomUUID()}`;
    const event = { event_type: 'page_view', session_id: marker };

    it.each([
      ['no Authorization header', 401, 'UNAUTHORIZED', () => post(event, 'one_spa', { Authorization: '' })],
      ['an unknown token', 401, 'UNAUTHORIZED', () => post(event, 'one_spa', { Authorization: 'Bearer ovt_dev_one_spa_000000000000000000000000' })],
      ['no X-Customer-ID', 401, 'UNAUTHORIZED', () => post(event, 'one_spa', { 'X-Customer-ID': '' })],
      ["another customer's token", 403, 'FORBIDDEN', () => post(event, 'one_spa', { Authorization: `Bearer ${DEV_TOKENS.retail_chain}` })],
      ['an unknown customer', 404, 'CUSTOMER_NOT_FOUND', () => post(event, 'one_spa', { 'X-Customer-ID': 'no_such_customer' })],
      ['a missing event_type', 400, 'INVALID_REQUEST', () => post({ session_id: marker })],
      ['malformed JSON', 400, 'INVALID_REQUEST', () => post('{"event_type": "page_view", ')],
      ['a body over 64 KB', 413, 'PAYLOAD_TOO_LARGE', () => post({ ...event, event_data: { blob: 'x'.repeat(70 * 1024) } })],
      ['a text/plain body', 415, 'UNSUPPORTED_MEDIA_TYPE', () => post(JSON.stringify(event), 'one_spa', { 'Content-Type': 'text/plain' })],
    ] as const)("with %s, answers %i %s in seed 000's error shape", async (_, status, code, send) => {
      const response = await send();
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ success: false, error_code: code, error: expect.any(String), timestamp: expect.any(String) });
    });

    it('names the field that is wrong', async () => {
      const response = await post({ event_type: 'page_view', page_url: 'not a url', event_data: {} });
      const body = (await response.json()) as { details: Array<{ field: string }> };
      expect(body.details.map((detail) => detail.field)).toEqual(['page_url']);
    });

    it('publishes nothing', async () => {
      const witness = await post({ event_type: 'page_view', session_id: `sess_witness_${randomUUID()}` });
      await loaded([((await witness.json()) as { event_id: string }).event_id]);
      const refused = await db.query(`SELECT count(*)::int AS n FROM raw.site_tracking_events_r WHERE raw_payload->>'session_id' = $1`, [marker]);
      expect(refused.rows[0].n).toBe(0);
    });
  });

  // Rewinds to where this suite's loader began: everything it has loaded is read a second time.
  it('adds no row when the loader restarts and re-reads what it had loaded', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await post({ event_type: 'feature_usage', session_id: `sess_replay_${randomUUID()}`, event_data: { i } });
      ids.push(((await response.json()) as { event_id: string }).event_id);
    }
    const before = await loaded(ids);

    await loader.close();
    await positionGroup(env.kafkaBrokers, groupId, LOADED_TOPICS, start);
    expect(await groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents)).toBeGreaterThanOrEqual(ids.length);
    loader = await startVaultLoader(env, groupId);
    await waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'replay finished', timeoutMs: 60_000 });

    expect(await rowsOf(ids)).toEqual(before);
    const metrics = await (await fetch(`${loader.url}/metrics`)).text();
    const skipped = Number(/vault_loader_duplicates_skipped_total\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
    expect(skipped).toBeGreaterThanOrEqual(ids.length);
  });
});
