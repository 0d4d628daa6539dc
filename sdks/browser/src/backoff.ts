export interface BackoffSettings {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A server's Retry-After is honoured, but a wild value must not park events for hours. */
export const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

/**
 * Delay before retry number `attempt` (1, 2, ...): exponential, capped, with "equal jitter" (half
 * fixed, half random) so that many pages failing at the same moment do not come back in step,
 * while none retries immediately. A server's Retry-After is a floor.
 */
export function retryDelay(attempt: number, settings: BackoffSettings, random: () => number, retryAfterMs?: number): number {
  const exponential = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  const floor = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  return Math.round(Math.max(jittered, floor));
}

/** Retry-After as seconds or as an HTTP date (RFC 9110), in milliseconds from now; undefined if unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What one attempt to send a batch came to, and so what the queue does next. */
export type SendOutcome =
  | { kind: 'delivered' }
  /** The gateway refused the batch for good (bad key, origin, payload): retrying cannot help. */
  | { kind: 'rejected'; status: number }
  | { kind: 'retry'; reason: string; retryAfterMs?: number };

/**
 * An answer of the collector. 2xx: delivered (events it found invalid are reported in the body,
 * and sending them again would not make them valid). 408, 425, 429 and 5xx: retry. The rest
 * (400, 401, 403, 404, 413, 415): the request itself is wrong and stays wrong.
 */
export function classifyResponse(status: number, retryAfter: string | null, now: number): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    return { kind: 'retry', reason: `HTTP ${status}`, retryAfterMs: parseRetryAfter(retryAfter, now) };
  }
  return { kind: 'rejected', status };
}
