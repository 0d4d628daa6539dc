import { TrackingClient, type TrackingClientOptions } from './tracking.client';
import { TrackingBulkError, TrackingError } from './tracking.errors';
import type { FetchLike, FetchResponseLike } from './http.transport';
import type { WireEvent } from './tracking-event';

interface SentRequest {
  url: string;
  headers: Record<string, string>;
  body: { batch_id?: string; events?: WireEvent[] } & Partial<WireEvent>;
  /** Fake clock at the time of the request. */
  at: number;
  signal: AbortSignal;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error | Promise<FetchResponseLike>;

const ENDPOINT = 'https://gateway.test';

function response(status: number, body: unknown = {}, headers: Record<string, string> = {}): FetchResponseLike {
  const lower = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { status, headers: { get: (name) => lower.get(name.toLowerCase()) ?? null }, text: async () => JSON.stringify(body) };
}

/** The gateway's 200 answer to whatever was sent: every event accepted. */
function accepted(request: SentRequest): FetchResponseLike {
  if (request.body.events === undefined) return response(200, { success: true, event_id: request.body.event_id, tracking_result: { allowed: true } });
  return response(200, { success: true, events_processed: request.body.events.length, errors: [], dropped: [] });
}

/** A fake gateway: records every request and answers from a script, then with 200. */
function fakeFetch(script: Array<Reply | ((request: SentRequest) => Reply)> = []) {
  const requests: SentRequest[] = [];
  const fetch: FetchLike = async (url, init) => {
    const request: SentRequest = { url, headers: init.headers, body: JSON.parse(init.body), at: Date.now(), signal: init.signal };
    requests.push(request);
    const step = script.shift();
    const reply = typeof step === 'function' ? step(request) : step;
    if (reply === undefined) return accepted(request);
    if (reply instanceof Error) throw reply;
    if (reply instanceof Promise) return reply;
    return response(reply.status, reply.body ?? {}, reply.headers);
  };
  return { fetch, requests };
}

function setup(options: Partial<TrackingClientOptions> = {}, script: Parameters<typeof fakeFetch>[0] = []) {
  const gateway = fakeFetch(script);
  const errors: TrackingError[] = [];
  const sut = new TrackingClient({
    endpoint: ENDPOINT,
    customerId: 'one_spa',
    token: 'ovt_test_token',
    fetch: gateway.fetch,
    onError: (error) => errors.push(error),
    ...options,
  });
  return { sut, mocks: { gateway, errors } };
}

const eventIdsOf = (request: SentRequest): string[] => (request.body.events ?? [request.body as WireEvent]).map((event) => event.event_id);

/** Runs timers and the promise chains they start. */
const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);

describe(TrackingClient.name, () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-03-01T10:00:00Z') });
    jest.spyOn(Math, 'random').mockReturnValue(0);
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('constructor', () => {
    it('names every bad option in one error', () => {
      expect(
        () => new TrackingClient({ endpoint: 'ftp://x', customerId: '', token: 't', flushAt: 0, maxQueueSize: 5, maxRetries: -1, fetch: fakeFetch().fetch }),
      ).toThrow(/endpoint must be an http\(s\) URL.*customerId is required.*flushAt must be an integer from 1 to 500.*maxRetries/);
      expect(() => new TrackingClient({ endpoint: ENDPOINT, customerId: 'c', token: 't', flushAt: 50, maxQueueSize: 10 })).toThrow(
        /maxQueueSize must be an integer of at least flushAt/,
      );
    });
  });

  describe('when batching', () => {
    it('sends one bulk request as soon as flushAt events are queued', async () => {
      const { sut, mocks } = setup({ flushAt: 3 });
      const results = [sut.track({ event_type: 'signup' }), sut.track({ event_type: 'login' }), sut.track({ event_type: 'logout' })];
      await advance(0);

      expect(mocks.gateway.requests).toHaveLength(1);
      const [request] = mocks.gateway.requests;
      expect(request.url).toBe(`${ENDPOINT}/api/v1/track/bulk`);
      expect(request.headers).toMatchObject({ 'Content-Type': 'application/json', 'X-Customer-ID': 'one_spa', Authorization: 'Bearer ovt_test_token' });
      expect(request.body.events?.map((event) => event.event_type)).toEqual(['signup', 'login', 'logout']);
      await expect(Promise.all(results)).resolves.toEqual(eventIdsOf(request).map((eventId) => ({ eventId, status: 'accepted' })));
    });

    it('sends what is queued flushInterval after the first event, and a lone event to /api/v1/track', async () => {
      const { sut, mocks } = setup({ flushAt: 20, flushInterval: 5000 });
      const result = sut.trackPageView('https://onespa.com/services', { page_category: 'services' }, { session_id: 'sess_1' });
      await advance(4999);
      expect(mocks.gateway.requests).toHaveLength(0);

      await advance(1);
      expect(mocks.gateway.requests).toHaveLength(1);
      expect(mocks.gateway.requests[0].url).toBe(`${ENDPOINT}/api/v1/track`);
      expect(mocks.gateway.requests[0].body).toMatchObject({
        event_type: 'page_view',
        page_url: 'https://onespa.com/services',
        session_id: 'sess_1',
        event_data: { page_category: 'services' },
        occurred_at: '2026-03-01T10:00:00.000Z',
        sent_at: '2026-03-01T10:00:05.000Z',
      });
      await expect(result).resolves.toMatchObject({ status: 'accepted' });
    });

    it('cuts batches at maxBatchSize and keeps the order of tracking', async () => {
      const { sut, mocks } = setup({ flushAt: 5, maxBatchSize: 5 });
      const results = Array.from({ length: 12 }, (_, index) => sut.trackEvent('step', { index }));
      await advance(0);
      expect(mocks.gateway.requests.map((request) => request.body.events?.length)).toEqual([5, 5]);
      await advance(5000);
      expect(mocks.gateway.requests).toHaveLength(3);
      const sentOrder = mocks.gateway.requests.flatMap((request) => (request.body.events ?? [request.body as WireEvent]).map((event) => event.event_data?.['index']));
      expect(sentOrder).toEqual([...Array(12).keys()]);
      await Promise.all(results);
    });
  });

  describe('when the gateway answers 429 with Retry-After', () => {
    it('waits at least Retry-After (seconds) and then sends the same events again', async () => {
      const { sut, mocks } = setup({ flushAt: 2 }, [{ status: 429, body: { error_code: 'RATE_LIMITED', error: 'Rate limit exceeded for IP' }, headers: { 'Retry-After': '3' } }]);
      const results = [sut.track({ event_type: 'a' }), sut.track({ event_type: 'b' })];
      await advance(0);
      expect(mocks.gateway.requests).toHaveLength(1);

      await advance(2999);
      expect(mocks.gateway.requests).toHaveLength(1);
      await advance(1);
      expect(mocks.gateway.requests).toHaveLength(2);
      expect(mocks.gateway.requests[1].at - mocks.gateway.requests[0].at).toBeGreaterThanOrEqual(3000);
      await expect(Promise.all(results)).resolves.toHaveLength(2);
      expect(mocks.errors).toEqual([]);
    });

    it('reads an HTTP date and caps what it honours at retry.maxRetryAfterMs', async () => {
      const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
      const { sut, mocks } = setup({ flushAt: 1, retry: { maxRetryAfterMs: 4000 } }, [
        { status: 503, headers: { 'Retry-After': inTenSeconds }, body: { error_code: 'SERVICE_UNAVAILABLE' } },
        { status: 429, headers: { 'Retry-After': '3600' }, body: { error_code: 'RATE_LIMITED' } },
      ]);
      const result = sut.track({ event_type: 'a' });
      await advance(0);
      await advance(3999);
      expect(mocks.gateway.requests).toHaveLength(1);
      await advance(1);
      expect(mocks.gateway.requests).toHaveLength(2);
      await advance(4000);
      expect(mocks.gateway.requests).toHaveLength(3);
      await expect(result).resolves.toMatchObject({ status: 'accepted' });
    });
  });

  describe('when the gateway rate-limits for longer than maxRetries retries would last', () => {
    it("waits out an hour's Retry-After as often as asked without using up maxRetries, then delivers", async () => {
      const hourly = { status: 429, headers: { 'Retry-After': '3600' }, body: { error_code: 'RATE_LIMITED', error: 'Hourly limit exceeded' } };
      const { sut, mocks } = setup({ flushAt: 1, maxRetries: 1 }, [hourly, hourly, hourly]);
      const result = sut.track({ event_type: 'a' });
      await advance(0);
      await advance(3_600_000 - 1);
      expect(mocks.gateway.requests).toHaveLength(1);
      await advance(1);
      expect(mocks.gateway.requests).toHaveLength(2);
      await advance(2 * 3_600_000);
      expect(mocks.gateway.requests).toHaveLength(4);
      await expect(result).resolves.toMatchObject({ status: 'accepted' });
      expect(mocks.errors).toEqual([]);
    });

    it('counts a Retry-After cut to retry.maxRetryAfterMs as an ordinary retry', async () => {
      const hourly = { status: 429, headers: { 'Retry-After': '3600' }, body: { error_code: 'RATE_LIMITED' } };
      const { sut, mocks } = setup({ flushAt: 1, maxRetries: 1, retry: { maxRetryAfterMs: 1000 } }, [hourly, hourly]);
      const result = sut.track({ event_type: 'a' });
      const rejection = expect(result).rejects.toMatchObject({ errorCode: 'RATE_LIMITED', attempts: 2 });
      await advance(5000);
      await rejection;
      expect(mocks.gateway.requests).toHaveLength(2);
    });
  });

  describe('when a request fails on the way', () => {
    it('retries network errors, timeouts and 5xx with the same event ids, batch id and occurred_at', async () => {
      const hang = (request: SentRequest): Reply =>
        new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(new Error('This operation was aborted'))));
      const { sut, mocks } = setup({ flushAt: 2, timeoutMs: 1000 }, [
        new TypeError('fetch failed', { cause: new Error('ECONNRESET') }),
        { status: 503, body: { error_code: 'SERVICE_UNAVAILABLE', error: 'Kafka did not acknowledge' } },
        hang,
      ]);
      jest.spyOn(Math, 'random').mockReturnValue(0.5);
      const results = [sut.track({ event_type: 'a' }), sut.track({ event_type: 'b', event_id: 'my-own-id-1' })];
      await advance(60_000);

      expect(mocks.gateway.requests).toHaveLength(4);
      const [first, ...retries] = mocks.gateway.requests;
      for (const retry of retries) {
        expect(eventIdsOf(retry)).toEqual(eventIdsOf(first));
        expect(retry.body.batch_id).toBe(first.body.batch_id);
        expect(retry.body.events?.map((event) => event.occurred_at)).toEqual(first.body.events?.map((event) => event.occurred_at));
      }
      expect(eventIdsOf(first)[1]).toBe('my-own-id-1');
      expect(eventIdsOf(first)[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // sent_at says when each attempt left, so the gateway's clock-skew correction stays right.
      expect(new Set(mocks.gateway.requests.map((request) => request.body.events?.[0].sent_at)).size).toBe(4);
      await expect(Promise.all(results)).resolves.toHaveLength(2);
    });

    it('gives up after maxRetries and rejects every event of the batch with the last error', async () => {
      const unavailable = { status: 503, body: { error_code: 'SERVICE_UNAVAILABLE', error: 'down' } };
      const { sut, mocks } = setup({ flushAt: 1, maxRetries: 2 }, [unavailable, unavailable, unavailable]);
      const result = sut.track({ event_type: 'a' });
      const rejection = expect(result).rejects.toMatchObject({ status: 503, errorCode: 'SERVICE_UNAVAILABLE', retriable: true, attempts: 3 });
      await advance(60_000);
      await rejection;
      expect(mocks.gateway.requests).toHaveLength(3);
      expect(mocks.errors).toHaveLength(1);
      expect(mocks.errors[0].message).toMatch(/^gave up after 3 attempts/);
    });
  });

  describe('when the gateway refuses', () => {
    it('does not retry a 400 and rejects the event with the seed error code and details', async () => {
      const { sut, mocks } = setup({ flushAt: 1 }, [
        {
          status: 400,
          body: { success: false, error_code: 'INVALID_REQUEST', error: 'Invalid request: event_type is required', details: [{ field: 'event_type', reason: 'is required' }] },
        },
      ]);
      const result = sut.track({ event_type: 'x' });
      const rejection = expect(result).rejects.toMatchObject({
        name: 'TrackingError',
        status: 400,
        errorCode: 'INVALID_REQUEST',
        details: [{ field: 'event_type', reason: 'is required' }],
        retriable: false,
        attempts: 1,
      });
      await advance(60_000);
      await rejection;
      expect(mocks.gateway.requests).toHaveLength(1);
      expect(mocks.errors).toHaveLength(1);
      expect(mocks.errors[0]).toBeInstanceOf(TrackingError);
      expect(mocks.errors[0].eventIds).toEqual(eventIdsOf(mocks.gateway.requests[0]));
    });

    it('maps a bulk answer to each event: refused ones reject with their fields, the others resolve', async () => {
      const { sut, mocks } = setup({ flushAt: 3 }, [
        {
          status: 200,
          body: {
            success: true,
            events_processed: 1,
            errors: [
              { index: 1, field: 'events[1].occurred_at', reason: 'is more than 168 hours in the past' },
              { index: 1, field: 'events[1].page_url', reason: 'must be an absolute http(s) URL' },
            ],
            dropped: [{ index: 2, reason: 'consent_denied' }],
          },
        },
      ]);
      const [good, bad, dropped] = [sut.track({ event_type: 'a' }), sut.track({ event_type: 'b' }), sut.track({ event_type: 'c', consent_state: 'denied' })];
      await advance(0);
      const ids = eventIdsOf(mocks.gateway.requests[0]);

      await expect(good).resolves.toEqual({ eventId: ids[0], status: 'accepted' });
      await expect(dropped).resolves.toEqual({ eventId: ids[2], status: 'dropped', reason: 'consent_denied' });
      await expect(bad).rejects.toMatchObject({ status: 400, errorCode: 'INVALID_REQUEST', index: 1, eventIds: [ids[1]], details: [{ field: 'events[1].occurred_at' }, { field: 'events[1].page_url' }] });
      expect(mocks.errors.map((error) => error.eventIds)).toEqual([[ids[1]]]);
    });

    it('rejects a whole batch on 401 without retrying', async () => {
      const { sut, mocks } = setup({ flushAt: 2 }, [{ status: 401, body: { error_code: 'UNAUTHORIZED', error: 'Missing or invalid Authorization header' } }]);
      const results = [sut.track({ event_type: 'a' }), sut.track({ event_type: 'b' })].map((result) => result.catch((error: unknown) => error));
      await advance(60_000);
      const [first, second] = await Promise.all(results);
      expect(first).toMatchObject({ status: 401, errorCode: 'UNAUTHORIZED', eventIds: eventIdsOf(mocks.gateway.requests[0]) });
      expect(second).toBe(first);
      expect(mocks.gateway.requests).toHaveLength(1);
      expect(mocks.errors).toHaveLength(1);
    });
  });

  describe('trackBulk', () => {
    it('sends the list at once and names each refused event by its position in the list', async () => {
      const { sut, mocks } = setup({ flushAt: 100 }, [
        { status: 200, body: { success: true, events_processed: 2, errors: [{ index: 1, field: 'events[1].event_data', reason: 'is nested deeper than 10' }], dropped: [] } },
      ]);
      const result = sut.trackBulk([{ event_type: 'a' }, { event_type: 'b', event_id: 'evt-b' }, { event_type: 'c' }]);
      const rejection = result.catch((error: unknown) => error);
      await advance(0);
      expect(mocks.gateway.requests).toHaveLength(1);

      const error = (await rejection) as TrackingBulkError;
      expect(error).toBeInstanceOf(TrackingBulkError);
      expect(error.failures).toEqual([{ index: 1, eventId: 'evt-b', error: expect.objectContaining({ errorCode: 'INVALID_REQUEST' }) }]);
      expect(error.results.map((outcome) => outcome.status)).toEqual(['accepted', 'failed', 'accepted']);
    });

    it('resolves with every result in order when all are accepted', async () => {
      const { sut } = setup();
      const result = sut.trackBulk([{ event_type: 'a', event_id: 'e1' }, { event_type: 'b', event_id: 'e2' }]);
      await advance(0);
      await expect(result).resolves.toEqual([
        { eventId: 'e1', status: 'accepted' },
        { eventId: 'e2', status: 'accepted' },
      ]);
    });
  });

  describe('flush', () => {
    it('sends everything queued and resolves with a summary once it has settled, without rejecting', async () => {
      const { sut, mocks } = setup({ flushAt: 20 }, [{ status: 400, body: { error_code: 'INVALID_REQUEST', error: 'bad' } }]);
      void sut.track({ event_type: 'bad' });
      const flushed = sut.flush();
      await advance(0);
      await expect(flushed).resolves.toEqual({ accepted: 0, dropped: 0, failed: 1 });

      void sut.track({ event_type: 'a' });
      void sut.track({ event_type: 'b' });
      const second = sut.flush();
      await advance(0);
      await expect(second).resolves.toEqual({ accepted: 2, dropped: 0, failed: 0 });
      expect(mocks.gateway.requests).toHaveLength(2);
    });
  });

  describe('close', () => {
    it('waits for the request in flight, then refuses new events with CLIENT_CLOSED', async () => {
      let answer!: (response: FetchResponseLike) => void;
      const { sut, mocks } = setup({ flushAt: 1 }, [() => new Promise<FetchResponseLike>((resolve) => (answer = resolve))]);
      const tracked = sut.track({ event_type: 'a' });
      await advance(0);
      expect(mocks.gateway.requests).toHaveLength(1);

      let closed = false;
      const closing = sut.close().then((summary) => {
        closed = true;
        return summary;
      });
      await advance(9_000); // under timeoutMs (10 s), after which the request would time out
      expect(closed).toBe(false);
      await expect(sut.track({ event_type: 'late' })).rejects.toMatchObject({ errorCode: 'CLIENT_CLOSED', retriable: false, message: expect.stringMatching(/closed/) });

      answer(accepted(mocks.gateway.requests[0]));
      await expect(closing).resolves.toEqual({ accepted: 1, dropped: 0, failed: 0 });
      await expect(tracked).resolves.toMatchObject({ status: 'accepted' });
      expect(sut.closed).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('sends what is still queued without waiting for flushInterval', async () => {
      const { sut, mocks } = setup({ flushAt: 20, flushInterval: 60_000 });
      void sut.track({ event_type: 'a' });
      const closing = sut.close();
      await advance(0);
      await expect(closing).resolves.toEqual({ accepted: 1, dropped: 0, failed: 0 });
      expect(mocks.gateway.requests).toHaveLength(1);
    });

    it('with timeoutMs, aborts the retry wait and rejects what has not settled', async () => {
      const { sut, mocks } = setup({ flushAt: 1 }, [{ status: 429, headers: { 'Retry-After': '60' }, body: { error_code: 'RATE_LIMITED' } }]);
      const tracked = sut.track({ event_type: 'a' });
      const rejection = expect(tracked).rejects.toMatchObject({ errorCode: 'CLIENT_CLOSED', retriable: true });
      await advance(0);
      const closing = sut.close({ timeoutMs: 2000 });
      await advance(2000);
      await expect(closing).resolves.toEqual({ accepted: 0, dropped: 0, failed: 1 });
      await rejection;
      expect(mocks.gateway.requests).toHaveLength(1);
    });
  });

  describe('when events cannot be queued', () => {
    it('refuses an event that can never be sent, and events beyond maxQueueSize', async () => {
      const { sut, mocks } = setup({ flushAt: 2, maxQueueSize: 2, flushInterval: 60_000 });
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      await expect(sut.track({ event_type: 'a', event_data: cyclic })).rejects.toMatchObject({ errorCode: 'INVALID_EVENT' });
      await expect(sut.trackBulk([{ event_type: 'a' }, { event_type: 'b' }, { event_type: 'c' }])).rejects.toMatchObject({ errorCode: 'QUEUE_FULL' });
      expect(mocks.errors.map((error) => error.errorCode)).toEqual(['INVALID_EVENT', 'QUEUE_FULL']);
    });

    it('keeps sending when onError throws', async () => {
      const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const { sut } = setup({ flushAt: 1, onError: () => { throw new Error('logger down'); } }, [{ status: 400, body: { error_code: 'INVALID_REQUEST' } }]);
      await Promise.all([expect(sut.track({ event_type: 'a' })).rejects.toBeInstanceOf(TrackingError), advance(0)]);
      const next = sut.track({ event_type: 'b' });
      await advance(0);
      await expect(next).resolves.toMatchObject({ status: 'accepted' });
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/onError threw: logger down/) }));
    });
  });

  describe('trackEvent', () => {
    it("takes seed 000's object and seed 001's (type, data) forms", async () => {
      const { sut, mocks } = setup({ flushAt: 2 });
      void sut.trackEvent({ event_type: 'feature_usage', event_data: { feature_name: 'reports' }, user_id: 'u1' });
      void sut.trackEvent('button_click', { buttonId: 'signup-btn' }, { session_id: 'sess_2' });
      await advance(0);
      expect(mocks.gateway.requests[0].body.events).toEqual([
        expect.objectContaining({ event_type: 'feature_usage', event_data: { feature_name: 'reports' }, user_id: 'u1' }),
        expect.objectContaining({ event_type: 'button_click', event_data: { buttonId: 'signup-btn' }, session_id: 'sess_2' }),
      ]);
    });
  });
});

describe(`${TrackingClient.name} timers`, () => {
  const timersOf = (spy: jest.SpyInstance) => spy.mock.results.map((result) => result.value as NodeJS.Timeout).filter((timer) => timer?.hasRef !== undefined);

  it('keeps the process alive while events are queued, and holds nothing once idle', async () => {
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    const listeners = process.listenerCount('beforeExit');
    const sut = new TrackingClient({ endpoint: ENDPOINT, customerId: 'c', token: 't', flushInterval: 60_000, fetch: fakeFetch().fetch, onError: () => undefined });
    const tracked = sut.track({ event_type: 'a' });
    const [flushTimer] = timersOf(setTimeoutSpy);
    expect(flushTimer.hasRef()).toBe(true);
    expect(process.listenerCount('beforeExit')).toBe(listeners + 1);

    // The loop ran dry (a script's last line awaited track()): the queue is sent now.
    process.emit('beforeExit', 0);
    await expect(tracked).resolves.toMatchObject({ status: 'accepted' });
    expect(flushTimer.hasRef()).toBe(false);
    expect(process.listenerCount('beforeExit')).toBe(listeners);
    await sut.close();
    setTimeoutSpy.mockRestore();
  });

  it('keeps the process alive during a retry wait nobody flush()es for', async () => {
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    const { fetch, requests } = fakeFetch([{ status: 503, headers: { 'Retry-After': '1' }, body: { error_code: 'SERVICE_UNAVAILABLE' } }]);
    const sut = new TrackingClient({ endpoint: ENDPOINT, customerId: 'c', token: 't', flushAt: 1, retry: { baseDelayMs: 1 }, fetch, onError: () => undefined });
    const tracked = sut.track({ event_type: 'a' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const retryWait = setTimeoutSpy.mock.calls.findIndex(([, ms]) => ms === 1000);
    expect((setTimeoutSpy.mock.results[retryWait].value as NodeJS.Timeout).hasRef()).toBe(true);
    await expect(tracked).resolves.toMatchObject({ status: 'accepted' });
    expect(requests).toHaveLength(2);
    await sut.close();
    setTimeoutSpy.mockRestore();
  });
});
