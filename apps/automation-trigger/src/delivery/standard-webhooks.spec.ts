import { Webhook } from 'standardwebhooks';
import { signWebhook } from './standard-webhooks';
import { nextDelay, parseRetryAfter, parseRetrySchedule } from './retry-schedule';

describe('Standard Webhooks signatures', () => {
  const current = Buffer.alloc(32, 1);
  const previous = Buffer.alloc(32, 2);
  const body = JSON.stringify({ type: 'site_page_view', data: { a: 1 } });
  const now = Math.floor(Date.now() / 1000);

  it('verify with the reference library, under either secret while rotating', () => {
    const headers = signWebhook('shop-s1-Holiday-2026-11-22T10:00:00.000Z', now, body, [current, previous]);
    for (const secret of [current, previous]) expect(new Webhook(`whsec_${secret.toString('base64')}`).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('fail verification when the body changed or the secret is another', () => {
    const headers = signWebhook('id-1', now, body, [current]);
    expect(() => new Webhook(`whsec_${current.toString('base64')}`).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(`whsec_${previous.toString('base64')}`).verify(body, headers)).toThrow();
  });
});

describe('retry schedule', () => {
  it('reads durations and refuses anything else', () => {
    expect(parseRetrySchedule('5s,5m,2h,250ms')).toEqual([5000, 300_000, 7_200_000, 250]);
    expect(parseRetrySchedule('5s,soon')).toBeUndefined();
  });

  it('jitters by at most 20 %, honours a longer Retry-After up to the longest delay, and ends', () => {
    expect(nextDelay([1000, 60_000], 1, undefined, () => 0)).toBe(800);
    expect(nextDelay([1000, 60_000], 1, undefined, () => 1)).toBe(1200);
    expect(nextDelay([1000, 60_000], 1, 30_000, () => 0.5)).toBe(30_000);
    expect(nextDelay([1000, 60_000], 1, 3_600_000, () => 0.5)).toBe(60_000);
    expect(nextDelay([1000, 60_000], 3, undefined)).toBeUndefined();
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter(new Date(Date.now() + 10_000).toUTCString())).toBeGreaterThan(8000);
  });
});
