import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ApiError, type ApiErrorCode } from './api-error';
import { errorEnvelope } from './error-envelope';

/**
 * Seed 000's error body for refusals made before any route runs. No customer is known yet and
 * nothing is audited: the bytes never became an API interaction.
 */
export function transportErrorBody(code: ApiErrorCode, message: string): string {
  return JSON.stringify(errorEnvelope({ code, message }, { customerId: null, auditLogged: false }));
}

const PARSER_REFUSALS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request did not arrive in time'],
};

/** Node's HTTP parser refused the bytes (request line, header syntax, framing): answer as the API does, then close. */
export function refuseMalformedRequest(error: ConnectionError, socket: Socket): void {
  if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] = PARSER_REFUSALS[(error as NodeJS.ErrnoException).code ?? ''] ?? [400, 'Malformed HTTP request'];
  if (socket.writable) {
    const body = transportErrorBody('INVALID_REQUEST', message);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** The router refused the URL itself: percent-encoding that decodes to no text, or an over-long path parameter. */
export function refuseUnroutableUrl(error: FastifyError, _request: unknown, reply: FastifyReply): void {
  const [status, code, message]: [number, ApiErrorCode, string] =
    error.code === 'FST_ERR_BAD_URL'
      ? [400, 'INVALID_REQUEST', 'The URL is not validly percent-encoded']
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? [414, 'INVALID_REQUEST', 'A path parameter is too long']
        : [500, 'INTERNAL_ERROR', 'Internal error; the request was not processed'];
  void reply.code(status).type('application/json; charset=utf-8').send(transportErrorBody(code, message));
}

/**
 * Fastify options and hooks so that every refusal made below the controllers keeps seed 000's
 * shape: Node and Fastify would otherwise answer malformed requests with bodies of their own (or
 * none at all: Node's 400 for HTTP/1.1 without Host and 417 for an unknown Expect are empty).
 */
export const TRANSPORT_ERROR_OPTIONS = {
  clientErrorHandler: refuseMalformedRequest,
  frameworkErrors: refuseUnroutableUrl,
  // Node's own check answers with an empty body; the hook below refuses the same requests.
  http: { requireHostHeader: false },
};

/** Refuses what Node would otherwise refuse with an empty body: HTTP/1.1 without Host, an Expect other than 100-continue. */
export function refuseLikeTheApi(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new ApiError(400, 'INVALID_REQUEST', 'Missing Host header: HTTP/1.1 requires one');
    }
  });
  (fastify.server as Server).on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const body = transportErrorBody('INVALID_REQUEST', 'Unsupported Expect header: only 100-continue is supported');
    response.writeHead(417, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' }).end(body);
  });
}
