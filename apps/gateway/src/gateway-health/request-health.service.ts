import { Injectable } from '@nestjs/common';
import { addHistogram, LATENCY_BUCKETS, latencyQuantile } from './latency-histogram';
import { RequestHealthRepository, type StoredError } from './request-health.repository';

export interface LatencyMinute {
  minute: string;
  requests: number;
  errors: number;
  /** Milliseconds; null in a minute without requests. */
  p50_ms: number | null;
  p99_ms: number | null;
}

export interface RequestHealthSummary {
  requests: number;
  errors: number;
  /** errors / requests, null without requests. */
  error_rate: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
}

const summarise = (requests: number, errors: number, buckets: readonly number[]): RequestHealthSummary => ({
  requests,
  errors,
  error_rate: requests === 0 ? null : Math.round((errors / requests) * 10_000) / 10_000,
  p50_ms: latencyQuantile(buckets, 0.5),
  p99_ms: latencyQuantile(buckets, 0.99),
});

/** The gateway's request health as the console shows it: every instance's minutes summed, percentiles from the summed histograms. */
@Injectable()
export class RequestHealthService {
  constructor(private readonly repository: RequestHealthRepository) {}

  async latencyPerMinute(customerId: string, minutes: number): Promise<LatencyMinute[]> {
    return (await this.repository.minutes(customerId, minutes)).map((tally) => ({
      minute: new Date(tally.minute).toISOString(),
      requests: tally.requests,
      errors: tally.errors,
      p50_ms: latencyQuantile(tally.buckets, 0.5),
      p99_ms: latencyQuantile(tally.buckets, 0.99),
    }));
  }

  recentErrors(customerId: string, limit: number): Promise<StoredError[]> {
    return this.repository.recentErrors(customerId, limit);
  }

  /** Each tenant's requests, errors and percentiles over the last `minutes`; tenants without requests are absent. */
  async byCustomer(minutes: number): Promise<Map<string, RequestHealthSummary>> {
    const sums = new Map<string, { requests: number; errors: number; buckets: number[] }>();
    for (const tally of await this.repository.allMinutes(minutes)) {
      let sum = sums.get(tally.customerId);
      if (!sum) sums.set(tally.customerId, (sum = { requests: 0, errors: 0, buckets: new Array<number>(LATENCY_BUCKETS).fill(0) }));
      sum.requests += tally.requests;
      sum.errors += tally.errors;
      addHistogram(sum.buckets, tally.buckets);
    }
    return new Map([...sums].map(([customerId, sum]) => [customerId, summarise(sum.requests, sum.errors, sum.buckets)]));
  }
}

export const EMPTY_REQUEST_HEALTH: RequestHealthSummary = summarise(0, 0, []);
