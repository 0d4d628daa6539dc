import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS, addHistogram, latencyBucket, latencyQuantile } from './latency-histogram';

const histogram = (entries: Record<number, number>): number[] => {
  const buckets = new Array<number>(LATENCY_BUCKETS).fill(0);
  for (const [index, count] of Object.entries(entries)) buckets[Number(index)] = count;
  return buckets;
};

describe('latency histogram', () => {
  describe('latencyBucket', () => {
    it('puts a latency in the first bucket whose upper bound holds it, and past the last bound in the overflow bucket', () => {
      expect(latencyBucket(0.2)).toBe(0);
      expect(latencyBucket(1)).toBe(0);
      expect(latencyBucket(1.01)).toBe(1);
      expect(latencyBucket(49)).toBe(LATENCY_BOUNDS_MS.indexOf(50));
      expect(latencyBucket(10_000)).toBe(LATENCY_BOUNDS_MS.length - 1);
      expect(latencyBucket(60_000)).toBe(LATENCY_BOUNDS_MS.length);
    });
  });

  describe('latencyQuantile', () => {
    it('is null without requests', () => {
      expect(latencyQuantile(histogram({}), 0.5)).toBeNull();
    });

    it('interpolates inside the bucket the rank falls in', () => {
      // 100 requests between 10 and 15 ms: the median is half way.
      const buckets = histogram({ [latencyBucket(12)]: 100 });
      expect(latencyQuantile(buckets, 0.5)).toBe(12.5);
      expect(latencyQuantile(buckets, 0.99)).toBe(14.95);
    });

    it('sees a slow tail in p99 but not in p50', () => {
      const buckets = histogram({ [latencyBucket(4)]: 98, [latencyBucket(900)]: 2 });
      expect(latencyQuantile(buckets, 0.5)).toBeLessThanOrEqual(5);
      expect(latencyQuantile(buckets, 0.99)).toBeGreaterThan(750);
    });

    it('answers the last bound for the overflow bucket', () => {
      expect(latencyQuantile(histogram({ [LATENCY_BOUNDS_MS.length]: 3 }), 0.99)).toBe(10_000);
    });
  });

  describe('addHistogram', () => {
    it('sums two instances bucket by bucket, so their quantile is that of all requests', () => {
      const a = histogram({ 0: 10, 5: 1 });
      const b = histogram({ 5: 9 });
      expect(addHistogram(a, b)).toEqual(histogram({ 0: 10, 5: 10 }));
    });
  });
});
