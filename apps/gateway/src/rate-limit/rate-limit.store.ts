/** One fixed-window counter to check and, if every check passes, to increment. */
export interface WindowCheck {
  /** Stable name of what is counted, e.g. `customer:one_spa`; the store adds the window. */
  subject: string;
  limit: number;
  windowMs: number;
}

export interface ConsumeResult {
  /** True when every counter was below its limit; only then were they incremented. */
  allowed: boolean;
  /** Count of each counter after this request (unchanged when refused). */
  counts: number[];
  /** Index of the first check that refused, when refused. */
  refusedBy?: number;
}

/**
 * Atomically checks several counters and increments all of them only if none is exhausted, so a
 * request refused by one limit spends nothing of the others, and N concurrent requests against a
 * limit of L let exactly L through.
 */
export interface RateLimitStore {
  consume(checks: readonly WindowCheck[], now: number): Promise<ConsumeResult>;
  /**
   * Several consumes in one round trip, in order, each as `consume` alone would do it; a stage that
   * refuses ends the sequence (later stages are neither checked nor counted). One result per stage
   * that ran. The ingestion routes count the client's address, then its customer and key, this way.
   */
  consumeStages(stages: ReadonlyArray<readonly WindowCheck[]>, now: number): Promise<ConsumeResult[]>;
  close(): Promise<void>;
}

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

/** The window a moment falls in: fixed windows aligned to the epoch, so every process agrees. */
export function windowStart(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}
