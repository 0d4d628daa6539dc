import type { AuditRecord } from '@tracking/contracts';
import { Registry } from 'prom-client';
import type { GatewayRequest } from '../http/gateway-request';
import { AbuseLedger } from './abuse-ledger';
import type { AuditTrail } from './audit-trail';

const refused = (kind: 'invalid_credentials' | 'rate_limited', customerId: string | null, ip = '198.51.100.7'): GatewayRequest =>
  ({ method: 'POST', url: '/api/v1/track', ip, routeOptions: { url: '/api/v1/track' }, abuse: { kind, customerId } }) as unknown as GatewayRequest;

function setup(recordsPerInterval = 2) {
  const published: AuditRecord[] = [];
  const audit = { publish: jest.fn(async (record: AuditRecord) => Boolean(published.push(record))) };
  const metrics = new Registry();
  const sut = new AbuseLedger({ abuse: { intervalMs: 60_000, recordsPerInterval } }, audit as unknown as AuditTrail, metrics);
  return { sut, published, metrics };
}

describe(AbuseLedger.name, () => {
  describe('note', () => {
    it('lets the first refusals of a customer and kind keep their own record, and no more in the interval', () => {
      const { sut } = setup(2);

      const own = Array.from({ length: 5 }, () => sut.note(refused('invalid_credentials', 'shop'), 401, 'UNAUTHORIZED'));

      expect(own).toEqual([true, true, false, false, false]);
      // Another kind or customer has an allowance of its own.
      expect(sut.note(refused('rate_limited', 'shop'), 429, 'RATE_LIMITED')).toBe(true);
      expect(sut.note(refused('invalid_credentials', 'other'), 401, 'UNAUTHORIZED')).toBe(true);
    });

    it('leaves requests that are not abuse alone', () => {
      const { sut } = setup(0);
      expect(sut.note({ method: 'GET', url: '/x' } as GatewayRequest, 400, 'INVALID_REQUEST')).toBe(true);
    });
  });

  describe('flush', () => {
    it('writes one summary per customer and kind with the count, the interval and the networks, then starts afresh', async () => {
      const { sut, published, metrics } = setup(1);
      for (let i = 0; i < 7; i++) sut.note(refused('invalid_credentials', 'shop', `198.51.${100 + (i % 3)}.9`), 401, 'UNAUTHORIZED');
      sut.note(refused('rate_limited', null), 429, 'RATE_LIMITED');

      await sut.flush(1_000_000);

      expect(published).toHaveLength(2);
      expect(published.find((record) => record.abuse_kind === 'invalid_credentials')).toMatchObject({
        customer_id: 'shop',
        abuse_customer_id: 'shop',
        abuse_count: 7,
        abuse_networks: 3,
        abuse_window_start: expect.any(Number),
        occurred_at: 1_000_000,
        endpoint: 'POST /api/v1/track',
        outcome: 'unauthorized',
        ip_block: '198.51.100.0/24',
        service: 'gateway',
        actor: null,
        request_params: JSON.stringify({ routes: { 'POST /api/v1/track': 7 }, recorded_individually: 1 }),
      });
      expect(await metrics.getSingleMetricAsString('gateway_abuse_unrecorded_total')).toContain('gateway_abuse_unrecorded_total{kind="invalid_credentials"} 6');
      await sut.flush(2_000_000);
      expect(published).toHaveLength(2);
    });
  });
});
