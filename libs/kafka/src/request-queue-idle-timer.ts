/** The parts of kafkajs's per-connection RequestQueue (src/network/requestQueue) the fix touches. */
interface RequestQueueInternals {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's own interval for looking at queued requests again. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

let patched = false;

/**
 * kafkajs 2.2.4, its last release, schedules its throttle check at `throttledUntil - Date.now()`
 * even when nothing waits and no throttle is on (throttledUntil is -1): a negative delay, which
 * Node clamps to 1 ms and, since Node 23, reports as a TimeoutNegativeWarning on stderr
 * (tulios/kafkajs#1751). The check then schedules itself again, so every idle connection wakes up
 * about a thousand times a second (measured: 1,667 checks in 2 s on one idle admin client). This is
 * the fix proposed on that issue: no timer while nothing waits and no throttle is to end; a queued
 * request or a response triggers the check as before.
 */
export function stopIdleRequestQueuePolling(): void {
  if (patched) return;
  patched = true;
  // A module of kafkajs's sources, which publishes no `exports` map; its shape is checked below.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals };
  if (typeof RequestQueue.prototype.scheduleCheckPendingRequests !== 'function') return;
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
    if (this.throttleCheckTimeoutId) return;
    const throttledForMs = this.throttledUntil - Date.now();
    if (this.pending.length === 0 && throttledForMs <= 0) return;
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      throttledForMs > 0 ? throttledForMs : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    );
  };
}
