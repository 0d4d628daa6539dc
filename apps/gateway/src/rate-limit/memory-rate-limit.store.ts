import { type ConsumeResult, type RateLimitStore, type WindowCheck, windowStart } from './rate-limit.store';

/** Counters in this process: exact within one gateway, not shared between several. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly counters = new Map<string, { count: number; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => this.sweep(Date.now()), 60_000);
    this.sweeper.unref();
  }

  async consume(checks: readonly WindowCheck[], now: number): Promise<ConsumeResult> {
    return this.consumeNow(checks, now);
  }

  async consumeStages(stages: ReadonlyArray<readonly WindowCheck[]>, now: number): Promise<ConsumeResult[]> {
    const results: ConsumeResult[] = [];
    for (const checks of stages) {
      const result = this.consumeNow(checks, now);
      results.push(result);
      if (!result.allowed) break;
    }
    return results;
  }

  private consumeNow(checks: readonly WindowCheck[], now: number): ConsumeResult {
    // Single-threaded: reading every counter, then writing them, cannot interleave with another request.
    const keys = checks.map((check) => `${check.subject}:${windowStart(now, check.windowMs)}`);
    const counts = keys.map((key) => {
      const counter = this.counters.get(key);
      return counter && counter.expiresAt > now ? counter.count : 0;
    });
    const refusedBy = checks.findIndex((check, index) => counts[index] >= check.limit);
    if (refusedBy >= 0) return { allowed: false, counts, refusedBy };
    keys.forEach((key, index) => {
      this.counters.set(key, { count: counts[index] + 1, expiresAt: windowStart(now, checks[index].windowMs) + checks[index].windowMs });
    });
    return { allowed: true, counts: counts.map((count) => count + 1) };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private sweep(now: number): void {
    for (const [key, counter] of this.counters) if (counter.expiresAt <= now) this.counters.delete(key);
  }
}
