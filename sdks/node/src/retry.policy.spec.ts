import { DEFAULT_RETRY_OPTIONS, RetryPolicy, isRetriableStatus, parseRetryAfter } from './retry.policy';

describe(RetryPolicy.name, () => {
  const policy = (random: number, overrides: Partial<ConstructorParameters<typeof RetryPolicy>[0]> = {}) =>
    new RetryPolicy({ maxRetries: 3, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 60_000, random: () => random, ...overrides });

  describe('delayMs', () => {
    it('draws uniformly below a ceiling that doubles per retry up to maxDelayMs (full jitter)', () => {
      const top = policy(0.999999);
      expect([0, 1, 2, 3, 10].map((retry) => top.delayMs(retry))).toEqual([499, 999, 1999, 3999, 29_999]);
      expect(policy(0).delayMs(5)).toBe(0);
    });

    it('never goes below Retry-After, caps it at maxRetryAfterMs and adds at most one base delay of jitter', () => {
      expect(policy(0).delayMs(0, 3000)).toBe(3000);
      expect(policy(0.999999).delayMs(0, 3000)).toBe(3499);
      expect(policy(0, { maxRetryAfterMs: 10_000 }).delayMs(0, 3_600_000)).toBe(10_000);
    });
  });

  describe('canRetry', () => {
    it("honours the gateway's hourly Retry-After by default and says which waits are honoured in full", () => {
      const defaults = new RetryPolicy({ ...DEFAULT_RETRY_OPTIONS, maxRetries: 3, random: () => 0 });
      expect(defaults.delayMs(0, 3_600_000)).toBe(3_600_000);
      expect(defaults.honoursRetryAfter(3_600_000)).toBe(true);
      expect(defaults.honoursRetryAfter(3_600_001)).toBe(false);
      expect(defaults.honoursRetryAfter(undefined)).toBe(false);
      expect(defaults.honoursRetryAfter(null)).toBe(false);
    });

    it('allows maxRetries retries after the first attempt', () => {
      expect([0, 1, 2, 3].map((done) => policy(0).canRetry(done))).toEqual([true, true, true, false]);
    });
  });
});

describe(parseRetryAfter.name, () => {
  const now = Date.parse('2026-03-01T10:00:00Z');

  it('reads delta-seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
    expect(parseRetryAfter('Sun, 01 Mar 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe(isRetriableStatus.name, () => {
  it('retries 408, 429 and 5xx only', () => {
    expect([400, 401, 403, 404, 408, 413, 415, 429, 500, 503].filter(isRetriableStatus)).toEqual([408, 429, 500, 503]);
  });
});
