import { randomUUID } from 'node:crypto';
import { TOPICS, type TrackingEvent } from '@tracking/contracts';
import { DEV_TOKENS, PUBLISHABLE_KEYS } from '@test/fixtures/seed-000-examples';
import { startGateway, type RunningService } from '@test/support/in-process-services';
import { readTopic, topicPositions } from '@test/support/topic-reader';
import { testEnvironment } from '@test/support/test-environment';

const ORIGIN = 'https://retailchain.com';

describe('browser collection', () => {
  const env = testEnvironment();
  let gateway: RunningService;

  const collect = (body: string, headers: Record<string, string>, query = '') =>
    fetch(`${gateway.url}/api/v1/tracking/collect/${query}`, { method: 'POST', headers, body });

  beforeAll(async () => {
    gateway = await startGateway(env);
  });

  afterAll(() => gateway?.close());

  it('answers CORS preflights for allowed origins only', async () => {
    const allowed = await fetch(`${gateway.url}/api/v1/tracking/collect?customer_id=retail_chain`, {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');

    const refused = await fetch(`${gateway.url}/api/v1/tracking/collect?customer_id=retail_chain`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('takes a JSON event with the publishable key in the query string', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const visitor = randomUUID();
    const response = await collect(
      JSON.stringify({ event_type: 'page_view', url: 'https://retailchain.com/?utm_source=newsletter', visitor_id: visitor, session_id: randomUUID(), consent_state: 'granted' }),
      { 'Content-Type': 'application/json', Origin: ORIGIN, 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0' },
      `?customer_id=retail_chain&key=${PUBLISHABLE_KEYS.retail_chain}`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await response.json()).toMatchObject({ events_processed: 1, events_failed: 0 });
    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) => seen.some((r) => r.value.visitor_id === visitor));
    expect(records.find((record) => record.value.visitor_id === visitor)?.value).toMatchObject({
      customer_id: 'retail_chain',
      source: 'browser',
      key_id: PUBLISHABLE_KEYS.retail_chain,
      utm_source: 'newsletter',
      consent_state: 'granted',
    });
  });

  it('takes a navigator.sendBeacon batch: text/plain, credentials in the body', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const session = randomUUID();
    const body = {
      customer_id: 'retail_chain',
      publishable_key: PUBLISHABLE_KEYS.retail_chain,
      events: [
        { event_type: 'page_view', url: 'https://retailchain.com/cart', session_id: session, event_id: `${session}-1` },
        { event_type: 'custom_event', name: 'checkout_started', session_id: session, event_id: `${session}-2`, properties: { items: 3 } },
      ],
    };
    const response = await collect(JSON.stringify(body), { 'Content-Type': 'text/plain;charset=UTF-8', Origin: ORIGIN });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ events_processed: 2 });
    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) => seen.filter((r) => r.value.session_id === session).length >= 2);
    expect(records.filter((record) => record.value.session_id === session).map((record) => record.value.event_name)).toEqual([null, 'checkout_started']);
  });

  it.each([
    ['an origin the customer does not allow', { Origin: 'https://evil.example' }, PUBLISHABLE_KEYS.retail_chain, 403],
    ['no origin at all', {}, PUBLISHABLE_KEYS.retail_chain, 403],
    ['an unknown publishable key', { Origin: ORIGIN }, 'pk_live_not_a_key_0000000000', 401],
    ['the secret API token in place of the publishable key', { Origin: ORIGIN }, DEV_TOKENS.retail_chain, 401],
    ['another customer\'s publishable key', { Origin: ORIGIN }, PUBLISHABLE_KEYS.one_spa, 401],
  ])('refuses %s and publishes nothing', async (_, headers, key, status) => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const marker = randomUUID();
    const response = await collect(JSON.stringify({ event_type: 'page_view', session_id: marker }), { 'Content-Type': 'application/json', ...headers }, `?customer_id=retail_chain&key=${key}`);
    expect(response.status).toBe(status);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const seen = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (records) => records.some((r) => r.value.session_id === marker), 1500);
    expect(seen.filter((record) => record.value.session_id === marker)).toEqual([]);
  });

  it('reports invalid browser events field by field, readable by the allowed origin', async () => {
    const response = await collect(
      JSON.stringify({ events: [{ event_type: 'page_view' }, { url: 'https://retailchain.com/' }] }),
      { 'Content-Type': 'application/json', Origin: ORIGIN },
      `?customer_id=retail_chain&key=${PUBLISHABLE_KEYS.retail_chain}`,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ events_processed: 1, events_failed: 1, errors: [{ index: 1, field: 'events[1].event_type' }] });
  });
});
