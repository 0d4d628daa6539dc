import { EMPTY_REQUEST_HEALTH } from '../../gateway-health/request-health.service';
import { judgeCustomer, type CustomerHealthFigures } from './customer-health';

const figures = (overrides: Partial<CustomerHealthFigures>): CustomerHealthFigures => ({
  events_last_hour: 100,
  accepted_last_hour: 100,
  rejected_last_hour: 0,
  last_event_at: '2026-12-07T10:00:00.000Z',
  gateway: { ...EMPTY_REQUEST_HEALTH, requests: 50, errors: 1, error_rate: 0.02 },
  ...overrides,
});

describe(judgeCustomer.name, () => {
  it('is ok with events and few errors, and says how many', () => {
    expect(judgeCustomer(figures({}))).toEqual({ state: 'ok', reason: '100 events in the last hour, 2 % of gateway requests refused' });
  });

  it('is failing when a fifth of the gateway requests were refused', () => {
    const judged = judgeCustomer(figures({ gateway: { ...EMPTY_REQUEST_HEALTH, requests: 40, errors: 12, error_rate: 0.3 } }));
    expect(judged.state).toBe('failing');
    expect(judged.reason).toContain('12 of 40 gateway requests');
  });

  it('is failing when half the events were rejected by validation', () => {
    const judged = judgeCustomer(figures({ accepted_last_hour: 40, rejected_last_hour: 60 }));
    expect(judged).toEqual({ state: 'failing', reason: '60 of 100 events of the last hour rejected by validation (60 %)' });
  });

  it('does not call a handful of errors failing', () => {
    expect(judgeCustomer(figures({ gateway: { ...EMPTY_REQUEST_HEALTH, requests: 4, errors: 3, error_rate: 0.75 } })).state).toBe('ok');
  });

  it('is quiet without events in the last hour, naming the last one', () => {
    expect(judgeCustomer(figures({ events_last_hour: 0, accepted_last_hour: 0, gateway: EMPTY_REQUEST_HEALTH }))).toEqual({
      state: 'quiet',
      reason: 'no events in the last hour; the last arrived at 2026-12-07T10:00:00.000Z',
    });
    expect(judgeCustomer(figures({ events_last_hour: 0, accepted_last_hour: 0, last_event_at: null, gateway: EMPTY_REQUEST_HEALTH })).reason).toBe('no events received yet');
  });
});
