import { MAX_RETRY_AFTER_MS, classifyResponse, parseRetryAfter, retryDelay } from './backoff';

const settings = { baseDelayMs: 1000, maxDelayMs: 60_000 };

describe(retryDelay.name, () => {
  it('doubles per attempt, between half and all of the exponential value', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelay(attempt, settings, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((attempt) => retryDelay(attempt, settings, () => 1))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('never exceeds the maximum', () => {
    expect(retryDelay(30, settings, () => 1)).toBe(60_000);
  });

  it('waits at least what Retry-After asks, up to a bound', () => {
    expect(retryDelay(1, settings, () => 0, 7000)).toBe(7000);
    expect(retryDelay(5, settings, () => 1, 100)).toBe(16_000);
    expect(retryDelay(1, settings, () => 0, 24 * 3_600_000)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe(parseRetryAfter.name, () => {
  const now = Date.parse('2026-12-01T10:00:00Z');

  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe(classifyResponse.name, () => {
  it('retries 408, 425, 429 and 5xx, with the Retry-After', () => {
    expect([408, 425, 429, 500, 502, 503].map((status) => classifyResponse(status, null, 0).kind)).toEqual(Array(6).fill('retry'));
    expect(classifyResponse(429, '2', 0)).toEqual({ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 2000 });
  });

  it('gives up on requests that stay wrong, and counts 2xx as delivered', () => {
    expect([400, 401, 403, 404, 413, 415].map((status) => classifyResponse(status, null, 0).kind)).toEqual(Array(6).fill('rejected'));
    expect(classifyResponse(200, null, 0)).toEqual({ kind: 'delivered' });
  });
});
