import { stopIdleRequestQueuePolling } from './request-queue-idle-timer';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the kafkajs module the fix patches
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: { scheduleCheckPendingRequests(this: unknown): void } };

function queue(pending: unknown[], throttledUntil: number) {
  return { pending, throttledUntil, throttleCheckTimeoutId: null as NodeJS.Timeout | null, checkPendingRequests: jest.fn() };
}

describe('kafkajs request queue without the idle 1 ms poll', () => {
  beforeAll(() => stopIdleRequestQueuePolling());
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sets no timer while nothing waits and no throttle is on', () => {
    const idle = queue([], -1);
    RequestQueue.prototype.scheduleCheckPendingRequests.call(idle);
    expect(idle.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('looks at queued requests again after 10 ms, or when a throttle ends', () => {
    const waiting = queue(['request'], -1);
    RequestQueue.prototype.scheduleCheckPendingRequests.call(waiting);
    jest.advanceTimersByTime(9);
    expect(waiting.checkPendingRequests).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(waiting.checkPendingRequests).toHaveBeenCalledTimes(1);

    const throttled = queue([], Date.now() + 500);
    RequestQueue.prototype.scheduleCheckPendingRequests.call(throttled);
    jest.advanceTimersByTime(499);
    expect(throttled.checkPendingRequests).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(throttled.checkPendingRequests).toHaveBeenCalledTimes(1);
  });
});
