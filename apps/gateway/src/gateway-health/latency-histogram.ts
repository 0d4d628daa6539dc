/**
 * The gateway's request latency as a fixed-bucket histogram: every instance counts into the same
 * buckets, so the minute rows of several instances add up (a percentile of percentiles would not).
 * Upper bounds in milliseconds; the last bucket holds everything slower.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000, 10000];

/** Buckets per histogram: one per bound and one above the last. */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** The bucket a latency falls in (binary search: this runs once per request). */
export function latencyBucket(ms: number): number {
  let low = 0;
  let high = LATENCY_BOUNDS_MS.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ms <= (LATENCY_BOUNDS_MS[middle] as number)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * The q-quantile (0 < q ≤ 1) of a histogram, interpolated linearly inside the bucket it falls in;
 * null for an empty one. Past the last bound it answers the last bound: "slower than 10 s".
 */
export function latencyQuantile(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let index = 0; index < buckets.length; index += 1) {
    const count = buckets[index] ?? 0;
    if (count > 0 && seen + count >= rank) {
      const lower = index === 0 ? 0 : (LATENCY_BOUNDS_MS[index - 1] as number);
      const upper = LATENCY_BOUNDS_MS[index];
      if (upper === undefined) return lower;
      return Math.round((lower + ((rank - seen) / count) * (upper - lower)) * 100) / 100;
    }
    seen += count;
  }
  return LATENCY_BOUNDS_MS.at(-1) ?? null;
}

/** Adds `more` into `into` bucket by bucket (histograms of several minutes or instances). */
export function addHistogram(into: number[], more: readonly number[]): number[] {
  for (let index = 0; index < LATENCY_BUCKETS; index += 1) into[index] = (into[index] ?? 0) + (more[index] ?? 0);
  return into;
}
