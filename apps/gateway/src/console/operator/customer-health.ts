import type { RequestHealthSummary } from '../../gateway-health/request-health.service';

export type CustomerState = 'ok' | 'quiet' | 'failing';

export interface CustomerHealthFigures {
  events_last_hour: number;
  accepted_last_hour: number;
  rejected_last_hour: number;
  last_event_at: string | null;
  gateway: RequestHealthSummary;
}

/** Below these volumes a rate says little: three errors in four requests is a test, not an outage. */
const MIN_REQUESTS = 10;
const MIN_EVENTS = 10;
/** A fifth of the tenant's requests refused, or half its events rejected by validation, is failing. */
const FAILING_ERROR_RATE = 0.2;
const FAILING_REJECTED_SHARE = 0.5;

const percent = (share: number): string => `${Math.round(share * 1000) / 10} %`;

/** Judges a customer from its last hour: failing (with the figure that says so), quiet (nothing arrived), or ok. */
export function judgeCustomer(figures: CustomerHealthFigures): { state: CustomerState; reason: string } {
  const { gateway } = figures;
  if (gateway.requests >= MIN_REQUESTS && gateway.error_rate !== null && gateway.error_rate >= FAILING_ERROR_RATE) {
    return { state: 'failing', reason: `${gateway.errors} of ${gateway.requests} gateway requests answered with an error in the last hour (${percent(gateway.error_rate)})` };
  }
  if (figures.events_last_hour >= MIN_EVENTS && figures.rejected_last_hour / figures.events_last_hour >= FAILING_REJECTED_SHARE) {
    return {
      state: 'failing',
      reason: `${figures.rejected_last_hour} of ${figures.events_last_hour} events of the last hour rejected by validation (${percent(figures.rejected_last_hour / figures.events_last_hour)})`,
    };
  }
  if (figures.events_last_hour === 0) {
    return { state: 'quiet', reason: figures.last_event_at ? `no events in the last hour; the last arrived at ${figures.last_event_at}` : 'no events received yet' };
  }
  const errors = gateway.error_rate === null ? '' : `, ${percent(gateway.error_rate)} of gateway requests refused`;
  return { state: 'ok', reason: `${figures.events_last_hour} events in the last hour${errors}` };
}
