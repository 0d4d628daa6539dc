import type { FastifyRequest } from 'fastify';
import { Registry } from 'prom-client';
import type { AuditRecord } from '@tracking/contracts';
import type { Logger } from '@tracking/observability';
import { ReadAudit, customerOfRequest, listedRows, requestParams, subjectDigest, type AuditSink } from './read-audit';

const request = (fields: Partial<Record<'method' | 'params' | 'query' | 'body' | 'headers', unknown>>): FastifyRequest =>
  ({ method: 'GET', url: '/x', ip: '203.0.113.9', routeOptions: { url: '/api/v1/things/:customerId' }, headers: {}, params: {}, query: {}, ...fields }) as unknown as FastifyRequest;

function setup() {
  const written: AuditRecord[] = [];
  const sink: AuditSink = { write: jest.fn(async (record: AuditRecord) => void written.push(record)) };
  const logger = { warn: jest.fn() };
  const metrics = new Registry();
  const sut = new ReadAudit(sink, 'exporter', logger as unknown as Logger, metrics);
  return { sut, written, metrics, mocks: { sink, logger } };
}

describe(ReadAudit.name, () => {
  describe('requestParams', () => {
    it('keeps the filters, drops credentials and replaces a person\'s ids by their hash keys', () => {
      const text = requestParams(
        request({ method: 'POST', query: { scope: 'instance' }, body: { customer_id: 'shop', visitor_id: 'v-1', user_ids: ['u-1'], api_token: 'secret', window: 7 } }),
        'shop',
      );
      const params = JSON.parse(text ?? '{}') as Record<string, unknown>;
      expect(params).toEqual({ scope: 'instance', customer_id: 'shop', visitor_id: subjectDigest('shop', 'v-1'), user_ids: [subjectDigest('shop', 'u-1')], window: 7 });
      expect(text).not.toContain('v-1');
      expect(text).not.toContain('secret');
    });

    it('leaves out the body of a GET and shortens nested documents', () => {
      expect(requestParams(request({ body: { visitor_id: 'v-1' } }), null)).toBeNull();
      expect(JSON.parse(requestParams(request({ method: 'PUT', body: { workflows: [{ id: 'a' }, { id: 'b' }] } }), null) ?? '{}')).toEqual({ workflows: '<2 items>' });
    });
  });

  describe('customerOfRequest', () => {
    it('reads the route parameter first, then the query, then the body', () => {
      expect(customerOfRequest(request({ params: { customerId: 'a' }, query: { customer_id: 'b' } }))).toBe('a');
      expect(customerOfRequest(request({ query: { customer_id: 'b' } }))).toBe('b');
      expect(customerOfRequest(request({ method: 'POST', body: { customer_id: 'c' } }))).toBe('c');
      expect(customerOfRequest(request({}))).toBeNull();
    });
  });

  describe('listedRows', () => {
    it('counts the entries of every list down to the second level', () => {
      expect(listedRows({ customer_id: 'x', daily: [1, 2, 3], utm: { sources: [1], campaigns: [1, 2] }, totals: { events: 5 } })).toBe(6);
    });
  });

  describe('operatorRecord', () => {
    it('says who by role, what, how many rows and which service, never the credential or the address', async () => {
      const { sut, written } = setup();
      const asked = request({ params: { customerId: 'shop' }, query: { limit: '5' }, headers: { authorization: 'Bearer admin-secret' } });
      (asked as unknown as { auditActor: string }).auditActor = 'operator';

      await sut.publish(sut.operatorRecord(asked, 200, null, 5));

      expect(written[0]).toMatchObject({
        customer_id: 'shop',
        endpoint: 'GET /api/v1/things/:customerId',
        status_code: 200,
        outcome: 'accepted',
        service: 'exporter',
        actor: 'operator',
        rows_returned: 5,
        ip_block: '203.0.113.0/24',
        request_params: JSON.stringify({ customerId: 'shop', limit: '5' }),
      });
      expect(JSON.stringify(written[0])).not.toContain('admin-secret');
      expect(JSON.stringify(written[0])).not.toContain('203.0.113.9');
    });

    it('calls a request no guard admitted anonymous, and says so when Kafka did not take the record', async () => {
      const { sut, metrics, mocks } = setup();
      (mocks.sink.write as jest.Mock).mockRejectedValueOnce(new Error('no broker'));
      const record = sut.operatorRecord(request({}), 401, 'UNAUTHORIZED', null);

      expect(record).toMatchObject({ actor: 'anonymous', outcome: 'unauthorized', error_code: 'UNAUTHORIZED' });
      expect(await sut.publish(record)).toBe(false);
      expect(mocks.logger.warn).toHaveBeenCalled();
      expect(await metrics.getSingleMetricAsString('audit_records_unacknowledged_total')).toContain('audit_records_unacknowledged_total 1');
    });
  });
});
