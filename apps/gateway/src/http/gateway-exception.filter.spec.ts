import type { ArgumentsHost } from '@nestjs/common';
import { PublishError } from '@tracking/kafka';
import type { Logger } from '@tracking/observability';
import type { AbuseLedger } from '../audit/abuse-ledger';
import type { AuditTrail } from '../audit/audit-trail';
import { ApiError } from '@tracking/http';
import { GatewayExceptionFilter } from './gateway-exception.filter';
import type { GatewayRequest } from './gateway-request';

describe(GatewayExceptionFilter.name, () => {
  const setup = (publish: () => Promise<boolean>) => {
    const audit = { recordFor: jest.fn(() => ({ audit_id: 'a-1' })), publish: jest.fn(publish) };
    const logger = { error: jest.fn(), warn: jest.fn() };
    const abuse = { note: jest.fn(() => true) };
    const sut = new GatewayExceptionFilter(logger as unknown as Logger, audit as unknown as AuditTrail, abuse as unknown as AbuseLedger);
    const request = { method: 'POST', url: '/api/v1/track', routeOptions: { url: '/api/v1/track' }, headers: { 'x-customer-id': 'one_spa' } } as unknown as GatewayRequest;
    const sent: { status?: number; body?: Record<string, unknown> } = {};
    interface Reply {
      status(status: number): Reply;
      headers(headers: Record<string, string>): Reply;
      send(body: Record<string, unknown>): Reply;
    }
    const reply: Reply = {
      status: (status) => {
        sent.status = status;
        return reply;
      },
      headers: () => reply,
      send: (body) => {
        sent.body = body;
        return reply;
      },
    };
    const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) } as unknown as ArgumentsHost;
    return { sut, audit, abuse, host, sent };
  };

  describe('when Kafka did not acknowledge the events', () => {
    it('answers 503 without waiting for the audit record, which Kafka would not acknowledge in time either', async () => {
      const { sut, audit, host, sent } = setup(() => new Promise<boolean>(() => undefined));

      await sut.catch(new PublishError('Kafka did not acknowledge 1 record(s)'), host);

      expect(audit.publish).toHaveBeenCalledTimes(1);
      expect(sent.status).toBe(503);
      expect(sent.body).toMatchObject({ success: false, error_code: 'SERVICE_UNAVAILABLE', customer_id: 'one_spa', audit_logged: false });
    });
  });

  describe('when the request is refused for another reason', () => {
    it('answers once the audit record is acknowledged, and says so', async () => {
      const { sut, host, sent } = setup(async () => true);

      await sut.catch(new ApiError(401, 'UNAUTHORIZED', 'Invalid API token'), host);

      expect(sent.status).toBe(401);
      expect(sent.body).toMatchObject({ success: false, error_code: 'UNAUTHORIZED', audit_logged: true });
    });
  });

  describe('when abuse is past its allowance of records for the interval', () => {
    it('answers without an audit record of its own (the interval summary counts it)', async () => {
      const { sut, audit, abuse, host, sent } = setup(async () => true);
      abuse.note.mockReturnValue(false);

      await sut.catch(new ApiError(401, 'UNAUTHORIZED', 'Invalid API token'), host);

      expect(audit.publish).not.toHaveBeenCalled();
      expect(sent).toMatchObject({ status: 401, body: { audit_logged: false } });
    });
  });
});
