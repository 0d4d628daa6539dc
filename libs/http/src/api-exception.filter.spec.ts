import { type ArgumentsHost, HttpException, NotFoundException } from '@nestjs/common';
import type { Logger } from '@tracking/observability';
import { ApiError } from './api-error';
import { ApiExceptionFilter } from './api-exception.filter';

interface Reply {
  status(status: number): Reply;
  headers(headers: Record<string, string>): Reply;
  send(body: Record<string, unknown>): Reply;
}

function setup() {
  const logger = { error: jest.fn() };
  const sut = new ApiExceptionFilter(logger as unknown as Logger);
  const request = { method: 'POST', url: '/api/v1/privacy/erasures', routeOptions: { url: '/api/v1/privacy/erasures' }, headers: {} };
  const sent: { status?: number; headers?: Record<string, string>; body?: Record<string, unknown> } = {};
  const reply: Reply = {
    status: (status) => {
      sent.status = status;
      return reply;
    },
    headers: (headers) => {
      sent.headers = headers;
      return reply;
    },
    send: (body) => {
      sent.body = body;
      return reply;
    },
  };
  const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) } as unknown as ArgumentsHost;
  return { sut, host, sent, mocks: { logger } };
}

describe(ApiExceptionFilter.name, () => {
  describe('when a controller refuses on purpose', () => {
    it('answers with its status, code, message and details in seed 000\'s envelope', async () => {
      const { sut, host, sent, mocks } = setup();

      await sut.catch(ApiError.invalid([{ field: 'visitor_id', reason: 'must be an id of 1-255 printable characters' }]), host);

      expect(sent.status).toBe(400);
      expect(sent.body).toEqual({
        success: false,
        error_code: 'INVALID_REQUEST',
        error: 'Invalid request: visitor_id must be an id of 1-255 printable characters',
        details: [{ field: 'visitor_id', reason: 'must be an id of 1-255 printable characters' }],
        customer_id: null,
        timestamp: expect.any(String),
        audit_logged: false,
      });
      expect(Number.isNaN(Date.parse(sent.body?.['timestamp'] as string))).toBe(false);
      expect(mocks.logger.error).not.toHaveBeenCalled();
    });

    it('sends the headers the error carries', async () => {
      const { sut, host, sent } = setup();

      await sut.catch(new ApiError(503, 'SERVICE_UNAVAILABLE', 'Retry later', undefined, { 'Retry-After': '5' }), host);

      expect(sent.status).toBe(503);
      expect(sent.headers).toEqual({ 'Retry-After': '5' });
    });
  });

  describe('when Nest or Fastify refuses the request before any controller runs', () => {
    it('answers an unknown route 404 NOT_FOUND without echoing the URL', async () => {
      const { sut, host, sent } = setup();

      await sut.catch(new NotFoundException('Cannot GET /%3Cscript%3E'), host);

      expect(sent.status).toBe(404);
      expect(sent.body).toMatchObject({ success: false, error_code: 'NOT_FOUND', error: 'No such endpoint', customer_id: null, audit_logged: false });
    });

    // As the Fastify adapter hands body-parser refusals to Nest's filters, and as a parser of an app's own raises them.
    it.each([
      ['a body that is not JSON', new HttpException("Body is not valid JSON but content-type is set to 'application/json'", 400), 400, 'INVALID_REQUEST', "Body is not valid JSON but content-type is set to 'application/json'"],
      ['another Content-Type', new HttpException('Unsupported Media Type', 415), 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type: send application/json'],
      ['a body over the limit', new HttpException('Request body is too large', 413), 413, 'PAYLOAD_TOO_LARGE', 'Request body is too large'],
      ['a FST_ error of a parser', Object.assign(new Error('FST_ERR_CTP_INVALID_JSON_BODY: Body is not valid JSON'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), 400, 'INVALID_REQUEST', 'Body is not valid JSON'],
    ])('answers %s with the status and seed code for it', async (_, error, status, code, message) => {
      const { sut, host, sent } = setup();

      await sut.catch(error, host);

      expect(sent.status).toBe(status);
      expect(sent.body).toMatchObject({ success: false, error_code: code, error: message, customer_id: null, audit_logged: false });
    });
  });

  describe('when anything else goes wrong', () => {
    it.each([
      ['an error of ours', new Error('relation "privacy.erasures" does not exist at /srv/app/dist/erasure.repository.js:42')],
      ['a 5xx HttpException', new HttpException('upstream exploded', 502)],
      ['a thrown string', 'boom'],
    ])('answers %s 500 INTERNAL_ERROR saying nothing of its cause, and logs it', async (_, exception) => {
      const { sut, host, sent, mocks } = setup();

      await sut.catch(exception, host);

      expect(sent.status).toBe(500);
      expect(sent.body).toMatchObject({ success: false, error_code: 'INTERNAL_ERROR', error: 'Internal error; the request was not processed' });
      expect(JSON.stringify(sent.body)).not.toMatch(/erasures|srv|upstream|boom/);
      expect(mocks.logger.error).toHaveBeenCalledWith(expect.objectContaining({ err: exception, method: 'POST', route: '/api/v1/privacy/erasures' }), 'request failed');
    });
  });
});
