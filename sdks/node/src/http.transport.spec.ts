import { HttpTransport, type FetchLike, type FetchResponseLike } from './http.transport';

function setup(reply: () => Promise<FetchResponseLike>) {
  const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(reply);
  const sut = new HttpTransport({ endpoint: 'https://gateway.test/v2/', customerId: 'c', token: 't', timeoutMs: 1000, fetch, userAgent: 'test' });
  return { sut, mocks: { fetch } };
}

const answer = (status: number, text: () => Promise<string>): FetchResponseLike => ({ status, headers: { get: () => null }, text });
const event = { event_type: 'a', event_id: 'e1', occurred_at: '2026-03-01T10:00:00Z', library_name: '@tracking-platform/node', library_version: '1.0.0' };

describe(HttpTransport.name, () => {
  describe('send', () => {
    it('posts a batch of one to /api/v1/track and more to /api/v1/track/bulk under the endpoint path', async () => {
      const { sut, mocks } = setup(async () => answer(200, async () => '{"success":true,"errors":[],"dropped":[]}'));
      await sut.send([event], 'b1', new AbortController().signal);
      await sut.send([event, { ...event, event_id: 'e2' }], 'b1', new AbortController().signal);
      expect(mocks.fetch.mock.calls.map(([url]) => url)).toEqual(['https://gateway.test/v2/api/v1/track', 'https://gateway.test/v2/api/v1/track/bulk']);
      expect(JSON.parse(mocks.fetch.mock.calls[1][1].body)).toEqual({ batch_id: 'b1', events: [event, { ...event, event_id: 'e2' }] });
    });

    it('calls an answer cut off mid-body a retriable network error: the events may have arrived', async () => {
      const { sut } = setup(async () => answer(200, () => Promise.reject(new Error('terminated'))));
      await expect(sut.send([event], 'b1', new AbortController().signal)).rejects.toMatchObject({ errorCode: 'NETWORK_ERROR', retriable: true });
    });

    it('keeps the timeout running until the body is read: headers then silence is a TIMEOUT', async () => {
      jest.useFakeTimers();
      try {
        const { sut } = setup(async () => answer(200, () => new Promise<string>(() => undefined)));
        const sending = sut.send([event], 'b1', new AbortController().signal);
        const rejection = expect(sending).rejects.toMatchObject({ errorCode: 'TIMEOUT', retriable: true, status: 200 });
        await jest.advanceTimersByTimeAsync(1000);
        await rejection;
      } finally {
        jest.useRealTimers();
      }
    });

    it('aborts a body still arriving when the caller aborts (close() gave up)', async () => {
      let bodySignal: AbortSignal | undefined;
      const { sut, mocks } = setup(async () => answer(200, () => new Promise<string>(() => undefined)));
      mocks.fetch.mockImplementation(async (_url, init) => {
        bodySignal = init.signal;
        return answer(200, () => new Promise<string>(() => undefined));
      });
      const closing = new AbortController();
      const sending = sut.send([event], 'b1', closing.signal);
      await new Promise((resolve) => setImmediate(resolve));
      closing.abort();
      await expect(sending).rejects.toMatchObject({ errorCode: 'CLIENT_CLOSED', retriable: true });
      expect(bodySignal?.aborted).toBe(true);
    });

    it('keeps the status of a refusal without a seed body, and says when a 2xx has no JSON', async () => {
      const { sut } = setup(async () => answer(502, async () => '<html>Bad gateway</html>'));
      await expect(sut.send([event], 'b1', new AbortController().signal)).rejects.toMatchObject({ status: 502, errorCode: 'INTERNAL_ERROR', retriable: true });
      const { sut: odd } = setup(async () => answer(200, async () => 'ok'));
      await expect(odd.send([event], 'b1', new AbortController().signal)).rejects.toMatchObject({ errorCode: 'UNEXPECTED_RESPONSE', retriable: false });
    });
  });
});
