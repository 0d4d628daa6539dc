export interface RetryPolicyOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff ceiling; doubles per retry. */
  baseDelayMs: number;
  /** Ceiling of the exponential backoff. */
  maxDelayMs: number;
  /**
   * Longest Retry-After honoured. A wait the server asked for within this cap is the server's
   * schedule, not a failed attempt, so it does not count against maxRetries; a longer one is cut to
   * the cap and counts as an ordinary retry (a misconfigured server cannot park the client for ever).
   */
  maxRetryAfterMs: number;
  /** Source of jitter, in [0, 1). */
  random?: () => number;
}

export const DEFAULT_RETRY_OPTIONS: Omit<RetryPolicyOptions, 'maxRetries'> = {
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  // The gateway's hourly per-customer limit answers 429 with Retry-After of up to 3600 s.
  maxRetryAfterMs: 3_600_000,
};

/**
 * Statuses worth sending the same request again for: 408 (request timeout), 429 (rate limited) and
 * 5xx (the gateway answers 503 when Kafka did not acknowledge). Every other 4xx says the request
 * itself is wrong; sending it again would only be refused again.
 */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Retry-After in milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable, so the caller falls back to its own backoff.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** When to try again: exponential backoff with full jitter, or the server's Retry-After when it gave one. */
export class RetryPolicy {
  private readonly random: () => number;

  constructor(private readonly options: RetryPolicyOptions) {
    this.random = options.random ?? Math.random;
  }

  get maxRetries(): number {
    return this.options.maxRetries;
  }

  /** Whether another attempt is allowed after `retriesDone` retries. */
  canRetry(retriesDone: number): boolean {
    return retriesDone < this.options.maxRetries;
  }

  /** Whether waiting out this Retry-After is honoured in full, and so does not use up a retry. */
  honoursRetryAfter(retryAfterMs?: number | null): boolean {
    return retryAfterMs !== undefined && retryAfterMs !== null && retryAfterMs <= this.options.maxRetryAfterMs;
  }

  /**
   * Delay before retry number `retry` (0 for the first retry).
   *
   * Without Retry-After: full jitter, uniform in [0, min(max, base·2^retry)], which spreads clients
   * that failed together better than equal or decorrelated jitter (AWS architecture blog,
   * "Exponential Backoff And Jitter").
   * With Retry-After: never earlier than the server asked (capped), plus up to one base delay of
   * jitter, because the gateway's fixed rate-limit windows reopen for every client at the same instant.
   */
  delayMs(retry: number, retryAfterMs?: number | null): number {
    const { baseDelayMs, maxDelayMs, maxRetryAfterMs } = this.options;
    if (retryAfterMs !== undefined && retryAfterMs !== null) {
      return Math.min(retryAfterMs, maxRetryAfterMs) + Math.floor(this.random() * baseDelayMs);
    }
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(retry, 30));
    return Math.floor(this.random() * ceiling);
  }
}
