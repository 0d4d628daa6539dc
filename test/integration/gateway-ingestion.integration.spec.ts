import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TOPICS, type AuditRecord, type RejectedEvent, type TrackingEvent } from '@tracking/contracts';
import { DEV_TOKENS, SEED_000_BULK, SEED_000_EVENTS } from '@test/fixtures/seed-000-examples';
import { startGateway, type RunningService } from '@test/support/in-process-services';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { readTopic, topicPositions } from '@test/support/topic-reader';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

interface Caller {
  id: string;
  token: string;
}

describe('gateway ingestion', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  let gateway: RunningService;
  let privateCustomer: TestCustomer;

  const send = (path: string, body: unknown, caller: Caller, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': caller.id, Authorization: `Bearer ${caller.token}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const oneSpa: Caller = { id: 'one_spa', token: DEV_TOKENS.one_spa };
  const retail: Caller = { id: 'retail_chain', token: DEV_TOKENS.retail_chain };

  beforeAll(async () => {
    privateCustomer = writeTestCustomer(customersDir, {
      privacy: { user_agent_truncation: true, pii_action: 'redact', redact_query_parameters: ['member'], consent_required: true },
    });
    gateway = await startGateway(env, { CUSTOMERS_DIR: customersDir, CUSTOMERS_WATCH: 'true' });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('publishes every request example of seed 000 and its bulk example with their fields intact', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const sent = new Map<string, object>();
    for (const example of Object.values(SEED_000_EVENTS)) {
      // one_spa (HIPAA) keeps server-side events only with consent stated (privacy.server_events_consent: require).
      const response = await send('/api/v1/track', { ...example, consent_state: 'granted' }, oneSpa);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-customer-id')).toBe('one_spa');
      sent.set(((await response.json()) as { event_id: string }).event_id, example);
    }
    const batchId = `${SEED_000_BULK.batch_id}-${randomUUID()}`;
    const bulk = await send('/api/v1/track/bulk', { ...SEED_000_BULK, batch_id: batchId }, retail);
    expect(bulk.status).toBe(200);
    expect(await bulk.json()).toMatchObject({
      success: true,
      batch_id: batchId,
      events_processed: 2,
      events_failed: 0,
      processing_summary: { total_events: 2, successful_events: 2, failed_events: 0 },
      audit_logged: true,
    });

    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) =>
      seen.filter((record) => sent.has(record.value.event_id) || record.value.batch_id === batchId).length >= 8,
    );
    for (const [eventId, example] of sent) {
      const event = records.find((record) => record.value.event_id === eventId)?.value;
      const { event_type, page_url, event_data, location_id } = example as { event_type: string; page_url: string; event_data: Record<string, unknown>; location_id?: string };
      expect(event).toMatchObject({ customer_id: 'one_spa', event_type, page_url, session_id: event_data['session_id'], source: 'api' });
      expect(JSON.parse(event?.event_data ?? '{}')).toEqual(event_data);
      expect(event?.location_id).toBe(location_id ?? (event_data['location_id'] as string | undefined) ?? null);
    }
    const bulkEvents = records.filter((record) => record.value.batch_id === batchId).map((record) => record.value);
    expect(bulkEvents.map((event) => event.event_type).sort()).toEqual(['item_interaction', 'page_view']);
    expect(bulkEvents.find((event) => event.event_type === 'page_view')).toMatchObject({ source: 'bulk', utm_campaign: 'holiday_2024' });
  });

  it('publishes exactly the good events of a bulk and records each bad one with its reason', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const rejectedFrom = await topicPositions(env.kafkaBrokers, TOPICS.trackingEventsRejected);
    const batchId = `it-mixed-${randomUUID()}`;
    const events = [
      { event_type: 'page_view', page_url: 'https://retailchain.com/a' },
      { page_url: 'https://retailchain.com/b' },
      { event_type: 'search', event_data: { q: 'gift' } },
      { event_type: 'page_view', page_url: 'not-a-url' },
      { event_type: 'cart_action', event_data: { action: 'add' } },
    ];
    const response = await send('/api/v1/track/bulk', { batch_id: batchId, events }, retail);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { accepted: Array<{ index: number; event_id: string }> };
    expect(answer).toMatchObject({
      events_processed: 3,
      events_failed: 2,
      errors: [
        { index: 1, field: 'events[1].event_type', reason: 'is required' },
        { index: 3, field: 'events[3].page_url', reason: 'must be an absolute URL' },
      ],
    });

    const published = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) => seen.filter((r) => r.value.batch_id === batchId).length >= 3);
    expect(published.filter((record) => record.value.batch_id === batchId).map((record) => record.value.event_type).sort()).toEqual(['cart_action', 'page_view', 'search']);
    // The answer's event ids are the published records' ids, each at its position in the request.
    const typeOfId = new Map(published.map((record) => [record.value.event_id, record.value.event_type]));
    expect(answer.accepted.map(({ index, event_id }) => [index, typeOfId.get(event_id)])).toEqual([
      [0, 'page_view'],
      [2, 'search'],
      [4, 'cart_action'],
    ]);
    const rejected = await readTopic<RejectedEvent>(env, TOPICS.trackingEventsRejected, rejectedFrom, (seen) => seen.filter((r) => r.value.batch_id === batchId).length >= 2);
    const ours = rejected.filter((record) => record.value.batch_id === batchId).map((record) => record.value);
    expect(ours.map((record) => record.event_index).sort()).toEqual([1, 3]);
    expect(ours.find((record) => record.event_index === 1)).toMatchObject({ customer_id: 'retail_chain', source: 'bulk', errors: [{ field: 'events[1].event_type', reason: 'is required' }] });
    expect(JSON.parse(ours.find((record) => record.event_index === 3)?.payload ?? '{}')).toEqual(events[3]);
  });

  it('enforces the bulk limits', async () => {
    const tooMany = await send('/api/v1/track/bulk', { events: Array.from({ length: 501 }, () => ({ event_type: 'x' })) }, retail);
    expect(tooMany.status).toBe(413);
    expect(await tooMany.json()).toMatchObject({ error_code: 'PAYLOAD_TOO_LARGE', error: expect.stringContaining('at most 500 events') });
    const noList = await send('/api/v1/track/bulk', { batch_id: 'b1', event: [] }, retail);
    expect(noList.status).toBe(400);
    expect(((await noList.json()) as { details: Array<{ field: string }> }).details.map((detail) => detail.field)).toEqual(['event', 'events']);
  });

  it('makes the privacy rules visible in the published record', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const session = `sess_privacy_${randomUUID()}`;
    const response = await send(
      '/api/v1/track',
      {
        event_type: 'form_submit',
        session_id: session,
        page_url: 'https://acme.example/account?member=12345&token=abc&utm_source=mail',
        event_data: { contact: 'write to jane@example.com', card: '4111-1111-1111-1111', ssn: '123-45-6789' },
      },
      privateCustomer,
      { 'User-Agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15' },
    );
    expect(response.status).toBe(200);
    const [record] = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) => seen.some((r) => r.value.session_id === session));
    const event = record?.value ?? ({} as TrackingEvent);
    expect(event.ip_address).toBe('127.0.0.0/24');
    expect(event.page_url).toBe('https://acme.example/account?member=REDACTED&token=REDACTED&utm_source=mail');
    expect(JSON.parse(event.event_data)).toEqual({ contact: 'write to [email]', card: '[card]', ssn: '[ssn]' });
    expect(event.user_agent).toBe('Mozilla/5 AppleWebKit/605 Version/17 Safari/605');
    expect(event.utm_source).toBe('mail');
  });

  it('drops what consent or Do Not Track forbids, keeps essential events, and says so in the answer', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const session = `sess_consent_${randomUUID()}`;
    const denied = await send('/api/v1/track', { event_type: 'page_view', session_id: session, consent_state: 'denied', event_id: `denied-${session}` }, privateCustomer);
    expect(await denied.json()).toMatchObject({ success: true, event_id: null, tracking_result: { allowed: false, reason: 'consent_denied' } });
    const pending = await send('/api/v1/track', { event_type: 'page_view', session_id: session, consent_state: 'pending', event_id: `pending-${session}` }, privateCustomer);
    expect(await pending.json()).toMatchObject({ tracking_result: { allowed: false, reason: 'consent_pending' } });
    const dnt = await send('/api/v1/track', { event_type: 'page_view', session_id: session, event_id: `dnt-${session}` }, privateCustomer, { DNT: '1' });
    expect(await dnt.json()).toMatchObject({ tracking_result: { allowed: false, reason: 'do_not_track' } });
    const essential = await send('/api/v1/track', { event_type: 'consent_update', session_id: session, consent_state: 'denied', event_id: `essential-${session}` }, privateCustomer);
    expect(await essential.json()).toMatchObject({ event_id: `essential-${session}`, tracking_result: { allowed: true } });
    const granted = await send('/api/v1/track', { event_type: 'page_view', session_id: session, consent_state: 'granted', event_id: `granted-${session}` }, privateCustomer);
    expect(granted.status).toBe(200);

    // Same session, same partition: once the last one is read, anything published before it was too.
    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) => seen.some((r) => r.value.event_id === `granted-${session}`));
    expect(records.filter((record) => record.value.session_id === session).map((record) => record.value.event_id)).toEqual([
      `essential-${session}`,
      `granted-${session}`,
    ]);
  });

  it('answers /track/async with 202 before the acknowledgement, and the event still arrives', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const response = await send('/api/v1/track/async', { event_type: 'feature_usage', session_id: `sess_async_${randomUUID()}`, consent_state: 'granted' }, oneSpa);
    expect(response.status).toBe(202);
    const { event_id: eventId } = (await response.json()) as { event_id: string };
    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) => seen.some((r) => r.value.event_id === eventId));
    expect(records.find((record) => record.value.event_id === eventId)?.value.source).toBe('async');
  });

  it('writes one audit record per interaction, refusals included, with the request id', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingAudit);
    const ok = await send('/api/v1/track', { event_type: 'page_view', consent_state: 'granted' }, oneSpa);
    const refused = await send('/api/v1/track', { event_type: 'page_view' }, { id: 'one_spa', token: 'ovt_dev_one_spa_000000000000000000000000' });
    expect(await ok.json()).toMatchObject({ audit_logged: true });
    expect(await refused.json()).toMatchObject({ error_code: 'UNAUTHORIZED', audit_logged: true });
    const ids = [ok.headers.get('x-request-id'), refused.headers.get('x-request-id')];
    const audits = await readTopic<AuditRecord>(env, TOPICS.trackingAudit, from, (seen) => ids.every((id) => seen.some((r) => r.value.audit_id === id)));
    expect(audits.find((record) => record.value.audit_id === ids[0])?.value).toMatchObject({
      customer_id: 'one_spa',
      endpoint: 'POST /api/v1/track',
      status_code: 200,
      outcome: 'accepted',
      ip_block: '127.0.0.0/24',
      key_id: 'dev',
      events_received: 1,
      events_accepted: 1,
    });
    expect(audits.find((record) => record.value.audit_id === ids[1])?.value).toMatchObject({
      customer_id: null,
      status_code: 401,
      outcome: 'unauthorized',
      error_code: 'UNAUTHORIZED',
      abuse_kind: 'invalid_credentials',
      abuse_customer_id: 'one_spa',
    });
    expect(audits.find((record) => record.value.audit_id === ids[0])?.value).toMatchObject({ abuse_kind: null, abuse_customer_id: null });
  });

  it('records abuse aimed at a customer on the audit topic and counts it by kind and customer', async () => {
    const counted = async (kind: string): Promise<number> => {
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      const line = metrics.split('\n').find((entry) => entry.startsWith(`gateway_abuse_events_total{kind="${kind}",customer="one_spa",`));
      return Number(line?.split(' ').pop() ?? 0);
    };
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingAudit);
    const [invalidBefore, crossBefore] = [await counted('invalid_credentials'), await counted('cross_tenant_token')];
    const invalid = await send('/api/v1/track', { event_type: 'page_view' }, { id: 'one_spa', token: 'ovt_dev_one_spa_111111111111111111111111' });
    const cross = await send('/api/v1/track', { event_type: 'page_view' }, { id: 'one_spa', token: DEV_TOKENS.retail_chain });
    expect([invalid.status, cross.status]).toEqual([401, 403]);
    const ids = [invalid.headers.get('x-request-id'), cross.headers.get('x-request-id')];
    const audits = await readTopic<AuditRecord>(env, TOPICS.trackingAudit, from, (seen) => ids.every((id) => seen.some((r) => r.value.audit_id === id)));
    expect(ids.map((id) => audits.find((record) => record.value.audit_id === id)?.value)).toEqual([
      expect.objectContaining({ abuse_kind: 'invalid_credentials', abuse_customer_id: 'one_spa', customer_id: null }),
      expect.objectContaining({ abuse_kind: 'cross_tenant_token', abuse_customer_id: 'one_spa', customer_id: null }),
    ]);
    expect(await counted('invalid_credentials')).toBe(invalidBefore + 1);
    expect(await counted('cross_tenant_token')).toBe(crossBefore + 1);
  });

  describe('refusals, each with seed 000\'s error shape', () => {
    const event = { event_type: 'page_view' };
    it.each([
      ['a missing event_type', () => send('/api/v1/track', {}, oneSpa), 400, 'INVALID_REQUEST'],
      ['malformed JSON', () => send('/api/v1/track', '{"event_type":', oneSpa), 400, 'INVALID_REQUEST'],
      ['no token', () => send('/api/v1/track', event, oneSpa, { Authorization: '' }), 401, 'UNAUTHORIZED'],
      ['another customer\'s token', () => send('/api/v1/track', event, { id: 'one_spa', token: DEV_TOKENS.retail_chain }), 403, 'FORBIDDEN'],
      ['an unknown customer', () => send('/api/v1/track', event, { id: 'nobody_here', token: DEV_TOKENS.one_spa }), 404, 'CUSTOMER_NOT_FOUND'],
      ['a body over the limit', () => send('/api/v1/track', { event_type: 'x', event_data: { b: 'x'.repeat(70_000) } }, oneSpa), 413, 'PAYLOAD_TOO_LARGE'],
      ['form data', () => send('/api/v1/track', 'event_type=x', oneSpa, { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['an unknown route', () => send('/api/v1/nope', event, oneSpa), 404, 'NOT_FOUND'],
    ])('refuses %s', async (_, request, status, code) => {
      const response = await request();
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ success: false, error_code: code, error: expect.any(String), timestamp: expect.any(String) });
    });
  });

  describe('customer endpoints', () => {
    it('serves seed 000\'s health answer, and refuses the eleventh check in a minute', async () => {
      const health = await fetch(`${gateway.url}/health/one_spa`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        status: 'healthy',
        customer_id: 'one_spa',
        customer_name: 'OneSpa Wellness Centers',
        rate_limit: 5000,
        locations: 3,
        compliance: { hipaa_required: true, data_residency: 'US' },
        tracking_features: expect.arrayContaining(['appointment_tracking']),
      });
      expect((await fetch(`${gateway.url}/health/nobody_here`)).status).toBe(404);
      const statuses = [];
      for (let i = 0; i < 10; i++) statuses.push((await fetch(`${gateway.url}/health/retail_chain`)).status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(10);
      const eleventh = await fetch(`${gateway.url}/health/retail_chain`);
      expect(eleventh.status).toBe(429);
      expect(eleventh.headers.get('retry-after')).toMatch(/^\d+$/);
    });

    it('serves the tracking configuration to its own customer only', async () => {
      const own = await fetch(`${gateway.url}/api/v1/customer/one_spa/tracking-config`, { headers: { 'X-Customer-ID': 'one_spa', Authorization: `Bearer ${DEV_TOKENS.one_spa}` } });
      expect(own.status).toBe(200);
      expect(await own.json()).toMatchObject({
        success: true,
        config: {
          customer_id: 'one_spa',
          tracking_settings: { rate_limit: 5000, storage_quota_gb: 500, backup_retention_days: 2555, hipaa_compliance: true },
          enabled_features: { member_tracking: true },
          api_endpoints: { track_event: '/api/v1/track', get_config: '/api/v1/customer/one_spa/tracking-config' },
        },
        audit_logged: true,
      });
      expect(own.headers.get('x-ratelimit-limit')).toBe('100');
      expect(own.headers.get('x-customer-id')).toBe('one_spa');
      const other = await fetch(`${gateway.url}/api/v1/customer/retail_chain/tracking-config`, { headers: { 'X-Customer-ID': 'one_spa', Authorization: `Bearer ${DEV_TOKENS.one_spa}` } });
      expect(other.status).toBe(403);
      // A caller that did not authenticate is not told which customer it claimed to be.
      const anonymous = await fetch(`${gateway.url}/api/v1/customer/one_spa/tracking-config`, { headers: { 'X-Customer-ID': 'one_spa', Authorization: 'Bearer wrong' } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('x-customer-id')).toBeNull();
    });

    it('reloads a customer\'s configuration when its YAML changes', async () => {
      const customer = writeTestCustomer(customersDir);
      await waitFor(() => send('/api/v1/track', { event_type: 'x' }, customer).then((r) => r.status), (status) => status === 200, { what: 'new customer picked up' });
      writeFileSync(join(customersDir, customer.id, 'features.yaml'), stringify({ features: { site_tracking: false } }));
      const refused = await waitFor(() => send('/api/v1/track', { event_type: 'x' }, customer), (r) => r.status === 403, { what: 'tracking switched off' });
      expect(await refused.json()).toMatchObject({ error_code: 'FORBIDDEN', error: expect.stringContaining('disabled') });
    });
  });

  it('documents the API at /docs with the seed\'s examples', async () => {
    expect((await fetch(`${gateway.url}/docs`)).headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(`${gateway.url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
    const document = (await (await fetch(`${gateway.url}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, any>> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/track', '/api/v1/track/bulk', '/api/v1/track/async', '/api/v1/tracking/collect', '/health/{customerId}', '/api/v1/tracking/keys']),
    );
    const examples = document.paths['/api/v1/track']['post'].requestBody.content['application/json'].examples;
    expect(Object.keys(examples)).toHaveLength(6);
  });
});
