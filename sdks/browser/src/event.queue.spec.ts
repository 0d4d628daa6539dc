import type { SendOutcome } from './backoff';
import { EventQueue, type QueueSettings } from './event.queue';

interface Event {
  id: number;
}

const delivered: SendOutcome = { kind: 'delivered' };
const unavailable: SendOutcome = { kind: 'retry', reason: 'HTTP 503' };

function setup(settings: Partial<QueueSettings> = {}, paused = false) {
  const outcomes: Array<SendOutcome | Error> = [];
  const batches: Event[][] = [];
  const drops: Array<[number, string]> = [];
  const send = jest.fn(async (batch: Event[]): Promise<SendOutcome> => {
    batches.push(batch);
    const next = outcomes.shift() ?? delivered;
    if (next instanceof Error) throw next;
    return next;
  });
  const sut = new EventQueue<Event>(
    { maxSize: 50, flushAt: 10, flushIntervalMs: 1000, baseDelayMs: 1000, maxDelayMs: 60_000, ...settings },
    { send, random: () => 0, onDrop: (count, reason) => drops.push([count, reason]) },
    paused,
  );
  const enqueue = (...ids: number[]): void => ids.forEach((id) => sut.enqueue({ id }));
  const sentIds = (): number[][] => batches.map((batch) => batch.map((event) => event.id));
  return { sut, send, outcomes, batches, drops, enqueue, sentIds };
}

describe(EventQueue.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  describe('batching', () => {
    it('sends what waits one flush interval after the first event', async () => {
      const { send, enqueue, sentIds } = setup();
      enqueue(1, 2, 3);
      await jest.advanceTimersByTimeAsync(999);
      expect(send).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(sentIds()).toEqual([[1, 2, 3]]);
    });

    it('sends at once when flushAt events wait', async () => {
      const { enqueue, sentIds } = setup({ flushAt: 3 });
      enqueue(1, 2, 3);
      await jest.advanceTimersByTimeAsync(0);
      expect(sentIds()).toEqual([[1, 2, 3]]);
    });

    it('keeps one request on the wire: events that come meanwhile go in the next batch', async () => {
      let release: () => void = () => undefined;
      const batches: number[][] = [];
      const sut = new EventQueue<Event>(
        { maxSize: 50, flushAt: 2, flushIntervalMs: 1000, baseDelayMs: 1000, maxDelayMs: 60_000 },
        {
          send: (batch) => {
            batches.push(batch.map((event) => event.id));
            return new Promise((resolve) => (release = () => resolve(delivered)));
          },
          random: () => 0,
        },
      );
      sut.enqueue({ id: 1 });
      sut.enqueue({ id: 2 });
      sut.enqueue({ id: 3 });
      sut.enqueue({ id: 4 });
      await jest.advanceTimersByTimeAsync(5000);
      expect(batches).toEqual([[1, 2]]);
      release();
      await jest.advanceTimersByTimeAsync(0);
      expect(batches).toEqual([[1, 2], [3, 4]]);
    });
  });

  describe('when full', () => {
    it('holds at most 50 events and drops the oldest waiting one', async () => {
      const { sut, enqueue, drops, sentIds } = setup({ flushAt: 50, flushIntervalMs: 60_000 }, true);
      enqueue(...Array.from({ length: 52 }, (_, index) => index));
      expect(sut.size).toBe(50);
      expect(drops).toEqual([[1, 'queue full'], [1, 'queue full']]);
      sut.resume();
      await jest.advanceTimersByTimeAsync(0);
      expect(sentIds()[0]?.[0]).toBe(2);
    });
  });

  describe('when sending fails', () => {
    it('sends the same batch again with exponential backoff until it is delivered', async () => {
      const { outcomes, enqueue, batches, send } = setup();
      outcomes.push(unavailable, unavailable);
      enqueue(1, 2);
      await jest.advanceTimersByTimeAsync(1000);
      expect(send).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(499);
      expect(send).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(send).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(999);
      expect(send).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(send).toHaveBeenCalledTimes(3);
      // The very same events, so their ids (and deduplication downstream) hold across attempts.
      expect(batches[1]).toEqual(batches[0]);
      expect(batches[2]).toEqual(batches[0]);
      await jest.advanceTimersByTimeAsync(120_000);
      expect(send).toHaveBeenCalledTimes(3);
    });

    it('waits as long as Retry-After says', async () => {
      const { outcomes, enqueue, send } = setup();
      outcomes.push({ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 5000 });
      enqueue(1);
      await jest.advanceTimersByTimeAsync(1000);
      await jest.advanceTimersByTimeAsync(4999);
      expect(send).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(send).toHaveBeenCalledTimes(2);
    });

    it('retries a network error (the transport throwing) too', async () => {
      const { outcomes, enqueue, send } = setup();
      outcomes.push(new TypeError('Failed to fetch'));
      enqueue(1);
      await jest.advanceTimersByTimeAsync(1500);
      expect(send).toHaveBeenCalledTimes(2);
    });

    it('lets no new event overtake a batch waiting for its retry', async () => {
      const { outcomes, enqueue, sentIds } = setup({ flushAt: 1 });
      outcomes.push(unavailable);
      enqueue(1);
      await jest.advanceTimersByTimeAsync(0);
      enqueue(2);
      await jest.advanceTimersByTimeAsync(0);
      expect(sentIds()).toEqual([[1]]);
      await jest.advanceTimersByTimeAsync(500);
      expect(sentIds()).toEqual([[1], [1, 2]]);
    });

    it('gives up on a batch the gateway refuses for good', async () => {
      const { outcomes, enqueue, send, drops, sut } = setup();
      outcomes.push({ kind: 'rejected', status: 401 });
      enqueue(1, 2);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(send).toHaveBeenCalledTimes(1);
      expect(drops).toEqual([[2, 'refused with HTTP 401']]);
      expect(sut.size).toBe(0);
    });
  });

  describe('consent gate', () => {
    it('sends nothing while paused, and everything once resumed', async () => {
      const { sut, enqueue, send, sentIds } = setup({}, true);
      enqueue(1, 2, 3);
      await jest.advanceTimersByTimeAsync(10_000);
      expect(send).not.toHaveBeenCalled();
      sut.resume();
      await jest.advanceTimersByTimeAsync(1000);
      expect(sentIds()).toEqual([[1, 2, 3]]);
    });

    it('drops everything waiting on clear', async () => {
      const { sut, enqueue, send, drops } = setup({}, true);
      enqueue(1, 2);
      sut.clear();
      sut.resume();
      await jest.advanceTimersByTimeAsync(10_000);
      expect(send).not.toHaveBeenCalled();
      expect(drops).toEqual([[2, 'cleared']]);
    });
  });

  describe('drain', () => {
    it('hands over a copy of a batch waiting for its retry, which stays queued and honours its backoff', async () => {
      const { sut, outcomes, enqueue, sentIds } = setup();
      outcomes.push({ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 30_000 });
      enqueue(1, 2);
      await jest.advanceTimersByTimeAsync(1000);
      enqueue(3);
      expect(sut.drain()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
      expect(sut.size).toBe(2);
      await jest.advanceTimersByTimeAsync(29_000);
      expect(sentIds()).toEqual([[1, 2]]);
      await jest.advanceTimersByTimeAsync(1000);
      expect(sentIds()).toEqual([[1, 2], [1, 2]]);
    });

    it('takes back, in order, what the browser would not take', async () => {
      const { sut, enqueue, sentIds } = setup();
      enqueue(1, 2, 3);
      const drained = sut.drain();
      expect(sut.size).toBe(0);
      sut.restore(drained.slice(1));
      await jest.advanceTimersByTimeAsync(1000);
      expect(sentIds()).toEqual([[2, 3]]);
    });

    it('hands over nothing while consent is pending', () => {
      const { sut, enqueue } = setup({}, true);
      enqueue(1);
      expect(sut.drain()).toEqual([]);
      expect(sut.size).toBe(1);
    });
  });

  describe('flush', () => {
    it('sends without waiting for the interval and resolves once delivered', async () => {
      const { sut, enqueue, sentIds } = setup({ flushIntervalMs: 60_000 });
      enqueue(1, 2);
      let resolved = false;
      void sut.flush().then(() => (resolved = true));
      await jest.advanceTimersByTimeAsync(0);
      expect(sentIds()).toEqual([[1, 2]]);
      expect(resolved).toBe(true);
    });

    it('resolves only after a failed batch was retried and delivered', async () => {
      const { sut, outcomes, enqueue, send } = setup();
      outcomes.push(unavailable);
      enqueue(1);
      let resolved = false;
      void sut.flush().then(() => (resolved = true));
      await jest.advanceTimersByTimeAsync(0);
      expect(resolved).toBe(false);
      await jest.advanceTimersByTimeAsync(500);
      expect(send).toHaveBeenCalledTimes(2);
      expect(resolved).toBe(true);
    });
  });

  describe('limits', () => {
    const sizeOf = (event: Event & { bytes?: number }): number => event.bytes ?? 10;

    it('cuts batches by body size as well as by count', async () => {
      const batches: number[][] = [];
      const sut = new EventQueue<Event & { bytes?: number }>(
        { maxSize: 50, flushAt: 3, flushIntervalMs: 1000, baseDelayMs: 1000, maxDelayMs: 60_000, maxBatchBytes: 1000 },
        { send: async (batch) => (batches.push(batch.map((event) => event.id)), delivered), random: () => 0, sizeOf },
      );
      [1, 2, 3].forEach((id) => sut.enqueue({ id, bytes: 400 }));
      await sut.flush();
      expect(batches).toEqual([[1, 2], [3]]);
    });

    it('drops, with a warning, an event too big for a request of its own instead of retrying it forever', async () => {
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      const batches: number[][] = [];
      const drops: string[] = [];
      const sut = new EventQueue<Event & { bytes?: number }>(
        { maxSize: 50, flushAt: 3, flushIntervalMs: 1000, baseDelayMs: 1000, maxDelayMs: 60_000, maxBatchBytes: 1000 },
        { send: async (batch) => (batches.push(batch.map((event) => event.id)), delivered), random: () => 0, sizeOf, onDrop: (_, reason) => drops.push(reason) },
      );
      sut.enqueue({ id: 1 });
      sut.enqueue({ id: 2, bytes: 5000 });
      sut.enqueue({ id: 3 });
      await sut.flush();
      expect(batches).toEqual([[1], [3]]);
      expect(drops).toEqual(['too large']);
      expect(warn).toHaveBeenCalledTimes(1);
      warn.mockRestore();
    });

    it('does not re-queue a failed batch whose events may no longer be sent', async () => {
      let allowed = true;
      const batches: number[][] = [];
      const sut = new EventQueue<Event>(
        { maxSize: 50, flushAt: 1, flushIntervalMs: 1000, baseDelayMs: 1000, maxDelayMs: 60_000 },
        {
          send: async (batch) => {
            batches.push(batch.map((event) => event.id));
            allowed = false;
            return unavailable;
          },
          random: () => 0,
          admit: () => allowed,
        },
      );
      sut.enqueue({ id: 1 });
      await jest.advanceTimersByTimeAsync(120_000);
      expect(batches).toEqual([[1]]);
      expect(sut.size).toBe(0);
    });
  });
});
