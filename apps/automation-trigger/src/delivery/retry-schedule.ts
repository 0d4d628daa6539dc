const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `5s,5m,2h` as milliseconds; undefined when any entry is not a duration. */
export function parseRetrySchedule(text: string): number[] | undefined {
  const delays = text.split(',').map((part) => {
    const match = /^\s*(\d+)(ms|s|m|h)\s*$/.exec(part);
    return match ? Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000) : NaN;
  });
  return delays.length > 0 && delays.every((delay) => Number.isFinite(delay)) ? delays : undefined;
}

/**
 * The wait before the next attempt, after `attemptsMade` attempts: the schedule's delay with ±20 %
 * jitter (so endpoints that fail together do not retry together), or the receiver's Retry-After
 * when that is longer, capped at the schedule's longest delay. Undefined: no attempt left.
 */
export function nextDelay(schedule: readonly number[], attemptsMade: number, retryAfterMs: number | undefined, random = Math.random): number | undefined {
  const base = schedule[attemptsMade - 1];
  if (base === undefined) return undefined;
  const jittered = Math.round(base * (0.8 + 0.4 * random()));
  const longest = Math.max(...schedule);
  return retryAfterMs === undefined ? jittered : Math.min(Math.max(jittered, retryAfterMs), longest);
}

/** Retry-After in seconds or as an HTTP date, as milliseconds from now. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
