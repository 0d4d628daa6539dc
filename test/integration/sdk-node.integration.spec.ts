import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey, type TrackingEvent } from '@tracking/contracts';
import { TrackingClient, TrackingError, type FetchLike, type TrackingClientOptions } from '@sdks/node/index';
import { startGateway, startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { positionGroup } from '@test/support/kafka-inspection';
import { waitFor } from '@test/support/wait-for';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { readTopic, topicPositions, type Positions } from '@test/support/topic-reader';
import { testEnvironment } from '@test/support/test-environment';

interface Exchange {
  url: string;
  events: number;
  sentAt: number;
  answeredAt: number;
  status: number;
  retryAfter: string | null;
}

/** Node's fetch, recording every exchange the SDK makes. */
function recordingFetch(): { fetch: FetchLike; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const fetch: FetchLike = async (url, init) => {
    const sentAt = Date.now();
    const body = JSON.parse(init.body) as { events?: unknown[] };
    const response = await globalThis.fetch(url, init);
    exchanges.push({ url, events: body.events?.length ?? 1, sentAt, answeredAt: Date.now(), status: response.status, retryAfter: response.headers.get('retry-after') });
    return response;
  };
  return { fetch, exchanges };
}

interface CuttingProxy {
  url: string;
  /** Status the gateway gave each forwarded request, in order. */
  upstreamStatuses: number[];
  close(): Promise<void>;
}

/**
 * Forwards to the gateway, but for the first `cut` requests destroys the client's socket once the
 * gateway has answered, instead of passing the answer on: the gateway published the events, the
 * client sees only a network error. The worst case for duplicates, made on purpose.
 */
async function startCuttingProxy(target: string, cut: number): Promise<CuttingProxy> {
  const upstream = new URL(target);
  const upstreamStatuses: number[] = [];
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const headers: IncomingHttpHeaders = { ...incoming.headers, host: upstream.host };
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => body.push(chunk));
        answer.on('end', () => {
          upstreamStatuses.push(answer.statusCode ?? 0);
          if (upstreamStatuses.length <= cut) {
            incoming.socket.destroy();
            return;
          }
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          outgoing.end(Buffer.concat(body));
        });
      });
      forward.on('error', (error) => outgoing.destroy(error));
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    upstreamStatuses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('Node SDK against the real gateway and Kafka', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const customers: Record<'batching' | 'rateLimited' | 'cut' | 'invalid', TestCustomer> = {
    batching: writeTestCustomer(customersDir),
    rateLimited: writeTestCustomer(customersDir),
    cut: writeTestCustomer(customersDir),
    invalid: writeTestCustomer(customersDir),
  };
  let gateway: RunningService;
  const clients: TrackingClient[] = [];

  const client = (customer: TestCustomer, options: Partial<TrackingClientOptions>): { sut: TrackingClient; errors: TrackingError[] } => {
    const errors: TrackingError[] = [];
    const sut = new TrackingClient({ endpoint: gateway.url, customerId: customer.id, token: customer.token, onError: (error) => errors.push(error), ...options });
    clients.push(sut);
    return { sut, errors };
  };

  /**
   * This customer's events among everything written to the topic from `from` up to now: reads each
   * partition to its current end, so "exactly once" is checked against all of it, not a prefix.
   */
  async function eventsOnTopic(from: Positions, customerId: string): Promise<TrackingEvent[]> {
    const end = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const due = [...end].filter(([partition, high]) => BigInt(high) > BigInt(from.get(partition) ?? '0'));
    const records = await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) =>
      due.every(([partition, high]) => seen.some((record) => record.partition === partition && BigInt(record.offset) >= BigInt(high) - 1n)),
    );
    return records.map((record) => record.value).filter((event) => event.customer_id === customerId);
  }

  const countIds = (events: TrackingEvent[]): Map<string, number> =>
    events.reduce((counts, event) => counts.set(event.event_id, (counts.get(event.event_id) ?? 0) + 1), new Map<string, number>());

  beforeAll(async () => {
    gateway = await startGateway(env, { CUSTOMERS_DIR: customersDir });
  });

  afterAll(async () => {
    await Promise.all(clients.map((sut) => sut.close({ timeoutMs: 1000 })));
    await gateway?.close();
  });

  it('sends 45 events tracked one by one with flushAt 20 in at most 3 requests, each on the topic once with its client id', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const { fetch, exchanges } = recordingFetch();
    const { sut, errors } = client(customers.batching, { flushAt: 20, flushInterval: 1000, fetch });

    const results = [];
    for (let index = 0; index < 45; index += 1) {
      results.push(sut.track({ event_type: 'feature_usage', session_id: 'sess_sdk_batching', event_data: { index } }));
      // Let the client run between calls, as a server tracking requests would.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const settled = await Promise.all(results);

    expect(settled.every((result) => result.status === 'accepted')).toBe(true);
    expect(exchanges.length).toBeLessThanOrEqual(3);
    expect(exchanges[0]).toMatchObject({ url: `${gateway.url}/api/v1/track/bulk`, events: 20, status: 200 });
    expect(exchanges.reduce((sum, exchange) => sum + exchange.events, 0)).toBe(45);
    const onTopic = await eventsOnTopic(from, customers.batching.id);
    expect([...countIds(onTopic)]).toEqual(expect.arrayContaining(settled.map((result) => [result.eventId, 1])));
    expect(onTopic).toHaveLength(45);
    expect(onTopic.map((event) => JSON.parse(event.event_data).index).sort((a, b) => a - b)).toEqual([...Array(45).keys()]);
    expect(errors).toEqual([]);
  });

  it('waits out a 429 for at least its Retry-After, then delivers every event once', async () => {
    // The per-address limit is a fixed window of a minute, so a refusal's Retry-After runs to the
    // window's end: between 1 and 60 s. Start clear of the boundary so the refusal really happens.
    const limited = await startGateway(env, { CUSTOMERS_DIR: customersDir, TRACKING_INGEST_RATE_LIMIT_PER_MINUTE: '1' });
    try {
      const intoWindow = Date.now() % 60_000;
      if (intoWindow > 55_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoWindow + 100));
      // Spends the minute's only request (refused later for lack of a token; counting comes first).
      const spend = await globalThis.fetch(`${limited.url}/api/v1/track`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(spend.status).toBe(401);

      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      const { fetch, exchanges } = recordingFetch();
      const { sut, errors } = client(customers.rateLimited, { endpoint: limited.url, flushAt: 5, fetch });
      const settled = await Promise.all(Array.from({ length: 5 }, (_, index) => sut.track({ event_type: 'page_view', page_url: `https://shop.example/p/${index}` })));

      expect(exchanges.map((exchange) => exchange.status)).toEqual([429, 200]);
      const retryAfterMs = Number(exchanges[0].retryAfter) * 1000;
      expect(retryAfterMs).toBeGreaterThanOrEqual(1000);
      expect(exchanges[1].sentAt - exchanges[0].answeredAt).toBeGreaterThanOrEqual(retryAfterMs);
      const onTopic = await eventsOnTopic(from, customers.rateLimited.id);
      expect(onTopic).toHaveLength(5);
      expect(new Set(onTopic.map((event) => event.event_id))).toEqual(new Set(settled.map((result) => result.eventId)));
      expect(errors).toEqual([]);
    } finally {
      await limited.close();
    }
  }, 120_000);

  it('after an answer lost on the way retries the same batch, and the topic holds only the events sent, by id', async () => {
    const proxy = await startCuttingProxy(gateway.url, 1);
    try {
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      const { fetch, exchanges } = recordingFetch();
      const { sut, errors } = client(customers.cut, { endpoint: proxy.url, flushAt: 10, fetch, retry: { baseDelayMs: 50 } });
      const sent = Array.from({ length: 10 }, (_, index) => sut.trackEvent('cart_action', { index }, { session_id: 'sess_sdk_cut' }));
      const settled = await Promise.all(sent);
      const sentIds = new Set(settled.map((result) => result.eventId));

      // The gateway took both attempts (the first answer was cut off); the SDK saw one response.
      expect(proxy.upstreamStatuses).toEqual([200, 200]);
      expect(exchanges.map((exchange) => exchange.status)).toEqual([200]);
      const onTopic = await eventsOnTopic(from, customers.cut.id);
      // At-least-once, on purpose: the SDK cannot know whether a request whose answer it never got
      // was published, and resending is the only way never to lose an event. The gateway does not
      // deduplicate (it would need shared state on the hot path); every event of the retry carries
      // the id of the first attempt and its batch_id, so the copies are recognisable, and consumers
      // deduplicate on the id: the vault loader's raw table and event hub are keyed by
      // (tenant, event_id) and insert ON CONFLICT DO NOTHING, so the vault holds each event once.
      expect(onTopic.every((event) => sentIds.has(event.event_id))).toBe(true);
      expect(new Set(onTopic.map((event) => event.event_id))).toEqual(sentIds);
      expect([...countIds(onTopic).values()].every((copies) => copies === 2)).toBe(true);
      expect(new Set(onTopic.map((event) => event.batch_id)).size).toBe(1);
      expect(errors).toEqual([]);

      // Downstream, the copy is gone: the vault loader, reading both, keeps one row per event.
      const groupId = `it-sdk-vault-${randomUUID()}`;
      await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.vaultLoader, new Map([[TOPICS.trackingEvents, from]]));
      const loader = await startVaultLoader(env, groupId);
      const db = new Pool({ connectionString: env.databaseUrl, max: 1 });
      try {
        const rows = await waitFor(
          async () => (await db.query<{ event_id: string }>('SELECT event_id FROM raw.site_tracking_events_r WHERE tenant_hk = $1', [tenantHashKey(customers.cut.id)])).rows,
          (found) => found.length >= sentIds.size,
          { what: 'the events in the vault' },
        );
        expect(new Set(rows.map((row) => row.event_id))).toEqual(sentIds);
        expect(rows).toHaveLength(sentIds.size);
      } finally {
        await loader.close();
        await db.end();
      }
    } finally {
      await proxy.close();
    }
  });

  it('rejects an invalid event with INVALID_REQUEST and its field while the valid ones of its batch are delivered', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const { fetch, exchanges } = recordingFetch();
    const { sut, errors } = client(customers.invalid, { flushAt: 3, fetch });
    const tooOld = '2020-01-01T00:00:00Z';
    const [good, bad, alsoGood] = [
      sut.track({ event_type: 'search', event_data: { query: 'massage' } }),
      sut.track({ event_type: 'search', occurred_at: tooOld }),
      sut.page({ page_url: 'https://onespa.com/' }),
    ];
    const badError = await bad.then(
      () => undefined,
      (error: unknown) => error,
    );
    const accepted = await Promise.all([good, alsoGood]);

    expect(badError).toBeInstanceOf(TrackingError);
    expect(badError).toMatchObject({ status: 400, errorCode: 'INVALID_REQUEST', retriable: false, index: 1, details: [{ field: 'events[1].occurred_at', reason: expect.stringMatching(/in the past/) }] });
    // Alone, the same event gets the gateway's 400 to /api/v1/track, and no retry.
    const alone = sut.track({ event_type: 'search', occurred_at: tooOld }).catch((error: unknown) => error);
    await sut.flush();
    const single = await alone;
    expect(single).toMatchObject({ status: 400, errorCode: 'INVALID_REQUEST', details: [{ field: 'occurred_at' }] });
    expect(exchanges.map((exchange) => [exchange.url.replace(gateway.url, ''), exchange.status])).toEqual([
      ['/api/v1/track/bulk', 200],
      ['/api/v1/track', 400],
    ]);
    expect(errors).toHaveLength(2);

    const onTopic = await eventsOnTopic(from, customers.invalid.id);
    expect(onTopic.map((event) => event.event_id).sort()).toEqual(accepted.map((result) => result.eventId).sort());
  });
});
