import { randomUUID } from 'node:crypto';
import { TOPICS, type TrackingEvent } from '@tracking/contracts';
import { DEV_TOKENS } from '@test/fixtures/seed-000-examples';
import { startGatewayProcess } from '@test/support/gateway-process';
import { readTopic, topicPositions } from '@test/support/topic-reader';
import { testEnvironment } from '@test/support/test-environment';

describe('the gateway as a process', () => {
  const env = testEnvironment();

  it('logs one structured line per request with the network block, never the address or the token', async () => {
    const gateway = await startGatewayProcess(env, { LOG_LEVEL: 'info', TRUST_PROXY: 'true' });
    try {
      const response = await fetch(`${gateway.url}/api/v1/track`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Customer-ID': 'retail_chain',
          Authorization: `Bearer ${DEV_TOKENS.retail_chain}`,
          'X-Forwarded-For': '203.0.113.77',
        },
        body: JSON.stringify({ event_type: 'search', session_id: 'sess_logged' }),
      });
      expect(response.status).toBe(200);
      await fetch(`${gateway.url}/api/v1/track`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Customer-ID': 'one_spa', Authorization: `Bearer ${DEV_TOKENS.retail_chain}`, 'X-Forwarded-For': '203.0.113.77' },
        body: '{}',
      });
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(metrics).toMatch(/gateway_http_requests_total\{[^}]*route="\/api\/v1\/track"[^}]*status="200"[^}]*\} 1/);
      expect(metrics).toMatch(/gateway_kafka_produce_seconds_count\{[^}]*acknowledged="true"/);
      expect(metrics).toContain('gateway_kafka_batch_records_bucket');

      const lines = gateway
        .output()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.find((line) => line['event'] === 'tracking.ingest' && line['status'] === 200)).toMatchObject({
        service: 'gateway',
        customer: 'retail_chain',
        session: 'sess_logged',
        eventType: 'search',
        ipBlock: '203.0.113.0/24',
        latencyMs: expect.any(Number),
      });
      expect(lines.find((line) => line['event'] === 'tracking.abuse')).toMatchObject({ customerId: 'one_spa', tokenOwner: 'retail_chain' });
      expect(gateway.output()).not.toContain('203.0.113.77');
      expect(gateway.output()).not.toContain(DEV_TOKENS.retail_chain);
    } finally {
      await gateway.stop();
    }
  });

  it('on SIGTERM stops taking requests, answers those in flight after Kafka acknowledged them, and exits 0', async () => {
    const gateway = await startGatewayProcess(env, { KAFKA_LINGER_MS: '50' });
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const session = `sess_sigterm_${randomUUID()}`;
    const inFlight = Array.from({ length: 40 }, (_, index) =>
      fetch(`${gateway.url}/api/v1/track`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Customer-ID': 'retail_chain', Authorization: `Bearer ${DEV_TOKENS.retail_chain}` },
        body: JSON.stringify({ event_type: 'page_view', session_id: session, event_id: `${session}-${index}` }),
      }).then(
        async (response) => ({ status: response.status, body: (await response.json()) as { event_id?: string } }),
        () => ({ status: 0, body: {} as { event_id?: string } }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const exitCode = gateway.stop('SIGTERM');
    const answers = await Promise.all(inFlight);
    expect(await exitCode).toBe(0);

    const acknowledged = answers.filter((answer) => answer.status === 200).map((answer) => answer.body.event_id);
    expect(acknowledged.length).toBeGreaterThan(0);
    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) =>
      acknowledged.every((id) => seen.some((record) => record.value.event_id === id)),
    );
    const published = new Set(records.map((record) => record.value.event_id));
    expect(acknowledged.filter((id) => !published.has(id as string))).toEqual([]);
    // Refused or cut off, never half-answered: every answer is a 200 or no answer at all.
    expect(answers.every((answer) => answer.status === 200 || answer.status === 0 || answer.status === 503)).toBe(true);
  });
});
