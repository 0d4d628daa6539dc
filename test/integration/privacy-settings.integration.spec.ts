import { randomUUID } from 'node:crypto';
import { TOPICS, type TrackingEvent } from '@tracking/contracts';
import { DEV_TOKENS } from '@test/fixtures/seed-000-examples';
import { startGateway, type RunningService } from '@test/support/in-process-services';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { readTopic, topicPositions } from '@test/support/topic-reader';
import { testEnvironment } from '@test/support/test-environment';

interface Caller {
  id: string;
  token: string;
}

/**
 * Issue 20 items 3 and 4 and issue 23's X-Customer-ID, on the real gateway and Kafka: what a
 * customer's privacy settings keep off tracking.events.v1, and which configurations a gateway
 * refuses rather than accept and ignore.
 */
describe('customer privacy settings at the gateway', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  /** Has TRACKING_COUNTRY_HEADER, so it can enforce geographic restrictions. */
  let edge: RunningService;
  /** Has none, so it refuses customers with geographic restrictions. */
  let plain: RunningService;
  let assumes: TestCustomer;
  let requires: TestCustomer;
  let restricted: TestCustomer;
  let outsideResidency: TestCustomer;
  let limited: TestCustomer;
  const oneSpa: Caller = { id: 'one_spa', token: DEV_TOKENS.one_spa };

  const send = (gateway: RunningService, path: string, body: unknown, caller: Caller, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Customer-ID': caller.id, Authorization: `Bearer ${caller.token}`, ...headers },
      body: JSON.stringify(body),
    });

  /**
   * The customer's events of one session on tracking.events.v1 since `from`, read until the
   * session's marker event (event_name `marker`, sent last and kept) is there. The message key is
   * customer and session, so the marker follows on the same partition anything the earlier requests
   * of the session could have written: when it is read, nothing of theirs can still come.
   */
  const sessionOnTopic = async (from: Map<number, string>, customer: string, session: string): Promise<TrackingEvent[]> => {
    const ofSession = (event: TrackingEvent) => event.customer_id === customer && event.session_id === session;
    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) => seen.some((record) => ofSession(record.value) && record.value.event_name === 'marker'));
    return records.map((record) => record.value).filter((event) => ofSession(event) && event.event_name !== 'marker');
  };

  beforeAll(async () => {
    assumes = writeTestCustomer(customersDir, { privacy: { server_events_consent: 'assume_granted' } });
    requires = writeTestCustomer(customersDir, { privacy: { server_events_consent: 'require' } });
    restricted = writeTestCustomer(customersDir, { privacy: { geographic_restrictions: ['EU'] } });
    outsideResidency = writeTestCustomer(customersDir, {
      compliance: { data_residency: 'EU' },
      s3Export: { client_bucket: 'it-residency-bucket', region: 'us-east-1', credentials: { access_key: { env: 'IT_S3_ACCESS_KEY' }, secret_key: { env: 'IT_S3_SECRET_KEY' } } },
    });
    limited = writeTestCustomer(customersDir, { apiRateLimit: 2 });
    [edge, plain] = await Promise.all([
      startGateway(env, { CUSTOMERS_DIR: customersDir, TRACKING_COUNTRY_HEADER: 'CF-IPCountry' }),
      startGateway(env, { CUSTOMERS_DIR: customersDir }),
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled([edge?.close(), plain?.close()]);
  });

  describe('privacy.server_events_consent', () => {
    it('with require, keeps an API event only when it says consent_state granted, and answers the others as dropped', async () => {
      for (const customer of [requires, oneSpa]) {
        const session = `sess_require_${randomUUID()}`;
        const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
        const missing = await send(edge, '/api/v1/track', { event_type: 'page_view', session_id: session }, customer);
        expect(missing.status).toBe(200);
        expect(await missing.json()).toMatchObject({
          success: true,
          event_id: null,
          message: expect.stringContaining('privacy.server_events_consent: require'),
          tracking_result: { allowed: false, reason: 'consent_missing' },
        });
        const bulk = await send(edge, '/api/v1/track/bulk', {
          events: [
            { event_type: 'page_view', session_id: session, event_name: 'bulk_missing' },
            { event_type: 'page_view', session_id: session, event_name: 'bulk_pending', consent_state: 'pending' },
            { event_type: 'page_view', session_id: session, event_name: 'bulk_granted', consent_state: 'granted' },
          ],
        }, customer);
        expect(await bulk.json()).toMatchObject({
          events_processed: 1,
          events_dropped: 2,
          dropped: [{ index: 0, reason: 'consent_missing' }, { index: 1, reason: 'consent_pending' }],
        });
        expect((await send(edge, '/api/v1/track', { event_type: 'page_view', session_id: session, event_name: 'marker', consent_state: 'granted' }, customer)).status).toBe(200);

        const events = await sessionOnTopic(from, customer.id, session);
        expect(events.map((event) => [event.event_name, event.consent_state])).toEqual([['bulk_granted', 'granted']]);
      }
    });

    it('with assume_granted, keeps an API event that says nothing about consent', async () => {
      const session = `sess_assume_${randomUUID()}`;
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      const response = await send(edge, '/api/v1/track', { event_type: 'page_view', session_id: session, event_name: 'silent' }, assumes);
      expect(await response.json()).toMatchObject({ success: true, event_id: expect.any(String), tracking_result: { allowed: true } });
      await send(edge, '/api/v1/track', { event_type: 'page_view', session_id: session, event_name: 'marker' }, assumes);
      const events = await sessionOnTopic(from, assumes.id, session);
      expect(events.map((event) => [event.event_name, event.consent_state])).toEqual([['silent', null]]);
    });
  });

  describe('privacy.geographic_restrictions', () => {
    it("keeps an event from an allowed country and drops one from another or from none, by the edge's header", async () => {
      const session = `sess_geo_${randomUUID()}`;
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      const germany = await send(edge, '/api/v1/track', { event_type: 'page_view', session_id: session, event_name: 'from_de' }, restricted, { 'CF-IPCountry': 'DE' });
      expect(await germany.json()).toMatchObject({ tracking_result: { allowed: true } });
      for (const [name, headers] of [['from_us', { 'CF-IPCountry': 'US' }], ['from_tor', { 'CF-IPCountry': 'T1' }], ['from_nowhere', {}]] as const) {
        const response = await send(edge, '/api/v1/track', { event_type: 'page_view', session_id: session, event_name: name }, restricted, headers);
        expect(await response.json()).toMatchObject({ event_id: null, tracking_result: { allowed: false, reason: 'outside_geographic_restrictions' } });
      }
      await send(edge, '/api/v1/track', { event_type: 'page_view', session_id: session, event_name: 'marker' }, restricted, { 'CF-IPCountry': 'FR' });
      const events = await sessionOnTopic(from, restricted.id, session);
      expect(events.map((event) => event.event_name)).toEqual(['from_de']);
    });

    it('is refused at load by a gateway without TRACKING_COUNTRY_HEADER: the customer is not served at all', async () => {
      const response = await send(plain, '/api/v1/track', { event_type: 'page_view' }, restricted, { 'CF-IPCountry': 'DE' });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error_code: 'CUSTOMER_NOT_FOUND' });
      // The other customers of the same directory are served.
      expect((await send(plain, '/api/v1/track', { event_type: 'page_view' }, assumes)).status).toBe(200);
    });
  });

  it('refuses at load a customer whose export bucket is outside its data residency', async () => {
    for (const gateway of [edge, plain]) {
      const response = await send(gateway, '/api/v1/track', { event_type: 'page_view' }, outsideResidency);
      expect(response.status).toBe(404);
    }
  });

  describe('X-Customer-ID on answers (seed 000, issue 23)', () => {
    it('names the authenticated customer on successes, on refusals after authentication and on 429, and nobody before', async () => {
      const ok = await send(edge, '/api/v1/track', { event_type: 'page_view' }, limited);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-customer-id')).toBe(limited.id);

      const invalid = await send(edge, '/api/v1/track', { page_url: 'not a url' }, limited);
      expect(invalid.status).toBe(400);
      expect(invalid.headers.get('x-customer-id')).toBe(limited.id);

      const othersConfig = await fetch(`${edge.url}/api/v1/customer/one_spa/tracking-config`, { headers: { 'X-Customer-ID': limited.id, Authorization: `Bearer ${limited.token}` } });
      expect(othersConfig.status).toBe(403);
      expect(othersConfig.headers.get('x-customer-id')).toBe(limited.id);

      // technical.api_rate_limit: 2 an hour, and two requests are spent.
      const limitedAnswer = await send(edge, '/api/v1/track', { event_type: 'page_view' }, limited);
      expect(limitedAnswer.status).toBe(429);
      expect(limitedAnswer.headers.get('x-customer-id')).toBe(limited.id);
      expect(await limitedAnswer.json()).toMatchObject({ customer_id: limited.id });

      const wrongToken = await send(edge, '/api/v1/track', { event_type: 'page_view' }, { id: limited.id, token: 'ovt_wrong' });
      expect(wrongToken.status).toBe(401);
      expect(wrongToken.headers.get('x-customer-id')).toBeNull();
    });
  });
});
