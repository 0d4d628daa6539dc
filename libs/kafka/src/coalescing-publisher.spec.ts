import { CoalescingPublisher } from './coalescing-publisher';
import type { KafkaPublisher, TopicRecords } from './kafka-publisher';

/** A publisher whose requests stay in flight until the test acknowledges or fails them. */
function newSut(options: { lingerMs?: number; maxRecords?: number; maxQueuedRecords?: number; maxQueuedBytes?: number; deadlineMs?: number; slowSendMs?: number; onSlowSend?: () => void } = {}) {
  const requests: Array<{ values: string[]; settle: (error?: Error) => void }> = [];
  const publisher = {
    sendBatch: (batch: readonly TopicRecords[]) =>
      new Promise<[]>((resolve, reject) => {
        const values = batch.flatMap((target) => target.messages.map((message) => `${target.topic}:${String(message.value)}`));
        requests.push({ values, settle: (error) => (error ? reject(error) : resolve([])) });
      }),
  } as unknown as KafkaPublisher;
  const sut = new CoalescingPublisher(publisher, { lingerMs: options.lingerMs ?? 5, maxRecords: options.maxRecords ?? 100, maxQueuedRecords: options.maxQueuedRecords, maxQueuedBytes: options.maxQueuedBytes, deadlineMs: options.deadlineMs, slowSendMs: options.slowSendMs, onSlowSend: options.onSlowSend });
  const publish = (topic: string, ...values: string[]) => sut.publish([{ topic, messages: values.map((value) => ({ value })) }]);
  return { sut, requests, publish };
}

const settled = async (promise: Promise<unknown>): Promise<string> => {
  let state = 'pending';
  promise.then(() => (state = 'resolved'), () => (state = 'rejected'));
  await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe(CoalescingPublisher.name, () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  describe('a slow produce request', () => {
    it('is told about once when still unanswered after slowSendMs, and not when answered in time', async () => {
      const onSlowSend = jest.fn();
      const { requests, publish } = newSut({ lingerMs: 0, slowSendMs: 500, onSlowSend });
      const fast = publish('t', 'a');
      jest.advanceTimersByTime(0);
      requests[0].settle();
      await fast;
      await new Promise((resolve) => setImmediate(resolve));
      jest.advanceTimersByTime(1000);
      expect(onSlowSend).not.toHaveBeenCalled();

      void publish('t', 'b');
      jest.advanceTimersByTime(0);
      expect(requests).toHaveLength(2);
      jest.advanceTimersByTime(499);
      expect(onSlowSend).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(onSlowSend).toHaveBeenCalledTimes(1);
      jest.advanceTimersByTime(5000);
      expect(onSlowSend).toHaveBeenCalledTimes(1);
    });
  });

  describe('when idle', () => {
    it('lets the first record wait for company at most the linger', async () => {
      const { requests, publish } = newSut({ lingerMs: 5 });
      void publish('t', 'a');
      void publish('t', 'b');
      expect(requests).toHaveLength(0);
      jest.advanceTimersByTime(5);
      expect(requests.map((request) => request.values)).toEqual([['t:a', 't:b']]);
    });

    it('sends at once when the records fill a request', () => {
      const { requests, publish } = newSut({ maxRecords: 2 });
      void publish('t', 'a', 'b');
      expect(requests).toHaveLength(1);
    });
  });

  describe('while a request is in flight', () => {
    it('gathers every new caller and sends them together the moment it returns', async () => {
      const { requests, publish } = newSut({ lingerMs: 5 });
      const first = publish('t', 'a');
      jest.advanceTimersByTime(5);
      const later = [publish('t', 'b'), publish('audit', 'c'), publish('t', 'd')];
      jest.advanceTimersByTime(1000);
      expect(requests).toHaveLength(1);
      requests[0].settle();
      expect(await settled(first)).toBe('resolved');
      expect(requests.map((request) => request.values)).toEqual([['t:a'], ['t:b', 't:d', 'audit:c']]);
      expect(await settled(Promise.all(later))).toBe('pending');
      requests[1].settle();
      expect(await settled(Promise.all(later))).toBe('resolved');
    });

    it('bounds the next request by size without splitting a caller, and sends the rest after it', async () => {
      const { requests, publish } = newSut({ maxRecords: 3 });
      void publish('t', 'a', 'b', 'c');
      void publish('t', 'd', 'e');
      void publish('t', 'f');
      void publish('t', 'g', 'h');
      requests[0].settle();
      await settled(Promise.resolve());
      requests[1].settle();
      await settled(Promise.resolve());
      expect(requests.map((request) => request.values)).toEqual([['t:a', 't:b', 't:c'], ['t:d', 't:e', 't:f'], ['t:g', 't:h']]);
    });

    it('fails exactly the callers whose request Kafka did not acknowledge', async () => {
      const { requests, publish } = newSut();
      const first = publish('t', 'a');
      jest.advanceTimersByTime(5);
      const second = publish('t', 'b');
      requests[0].settle(new Error('not acknowledged'));
      expect(await settled(first)).toBe('rejected');
      requests[1].settle();
      expect(await settled(second)).toBe('resolved');
    });
  });

  describe("when a caller's deadline passes", () => {
    it('fails a caller still queued behind a request that hangs, and never sends its records', async () => {
      const { requests, publish } = newSut({ deadlineMs: 3000 });
      void publish('t', 'a').catch(() => undefined);
      jest.advanceTimersByTime(5);
      jest.advanceTimersByTime(1000);
      const queued = publish('t', 'b');
      jest.advanceTimersByTime(3000);
      expect(await settled(queued)).toBe('rejected');
      await expect(queued).rejects.toThrow('not sent');
      requests[0].settle();
      await settled(Promise.resolve());
      expect(requests).toHaveLength(1);
    });

    it("fails a caller whose request is still in flight, at its deadline rather than the request's", async () => {
      const { publish } = newSut({ deadlineMs: 3000 });
      const inFlight = publish('t', 'a');
      jest.advanceTimersByTime(2999);
      expect(await settled(inFlight)).toBe('pending');
      jest.advanceTimersByTime(1);
      await expect(inFlight).rejects.toThrow('did not acknowledge these records within 3000 ms');
    });
  });

  describe('publish', () => {
    it('refuses at once when too many records wait or are in flight', () => {
      const { publish } = newSut({ maxRecords: 2, maxQueuedRecords: 3 });
      void publish('t', 'a', 'b');
      void publish('t', 'c');
      expect(() => publish('t', 'd')).toThrow('3 records (3 bytes) are already waiting for Kafka');
    });

    it('refuses at once when the waiting records hold too many bytes, until they are acknowledged', async () => {
      const { requests, publish } = newSut({ maxRecords: 10, maxQueuedBytes: 8 });
      const first = publish('t', 'aaaa', 'bbbb');
      expect(() => publish('t', 'c')).toThrow('2 records (8 bytes) are already waiting for Kafka');
      jest.advanceTimersByTime(5);
      requests[0].settle();
      expect(await settled(first)).toBe('resolved');
      expect(() => void publish('t', 'c')).not.toThrow();
    });

    it('takes a caller larger than the bounds when nothing else waits, so that no request is refused for good', () => {
      const { publish } = newSut({ maxQueuedRecords: 1, maxQueuedBytes: 1 });
      expect(() => void publish('t', 'large', 'larger')).not.toThrow();
      expect(() => publish('t', 'x')).toThrow('already waiting for Kafka');
    });
  });

  describe('drain', () => {
    it('sends what waits and resolves once nothing is left in flight', async () => {
      const { sut, requests, publish } = newSut({ maxRecords: 1 });
      void publish('t', 'a');
      void publish('t', 'b');
      const drained = sut.drain();
      requests[0].settle();
      await settled(Promise.resolve());
      expect(await settled(drained)).toBe('pending');
      requests[1].settle();
      expect(await settled(drained)).toBe('resolved');
    });
  });
});
