import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiError, errorEnvelope, toApiError } from '@tracking/http';
import { LOGGER, type Logger } from '@tracking/observability';
import { PublishError } from '@tracking/kafka';
import { AbuseLedger } from '../audit/abuse-ledger';
import { AuditTrail } from '../audit/audit-trail';
import { allowOrigin } from '../collect/cors';
import type { GatewayRequest } from './gateway-request';

/**
 * PostgreSQL unreachable or refusing connections (connection exceptions, shutdown, too many
 * connections, database gone) is an outage of a dependency: 503 and retry, not a fault of ours.
 */
function databaseUnavailable(error: unknown): boolean {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  // FATAL is what PostgreSQL says when it ends or refuses the session itself, not the statement.
  if (severity === 'FATAL') return true;
  if (typeof code !== 'string') return false;
  return /^(08|57P0|53300)/.test(code) || code === '3D000' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT';
}

/** The gateway's own outages, told apart from faults: its dependencies (PostgreSQL, Kafka) are away. */
function outageError(error: unknown): ApiError | undefined {
  if (databaseUnavailable(error) || (error instanceof Error && /timeout exceeded when trying to connect/.test(error.message))) {
    return new ApiError(503, 'SERVICE_UNAVAILABLE', 'The key store is unavailable; retry later. Event ingestion is not affected.', undefined, {
      'Retry-After': '5',
    });
  }
  if (error instanceof PublishError) {
    return new ApiError(503, 'SERVICE_UNAVAILABLE', 'Event could not be stored: Kafka did not acknowledge it. Retry later.', undefined, {
      'Retry-After': '5',
    });
  }
  return undefined;
}

/** Routes whose answers are not API interactions and are never audited. */
const UNAUDITED = /^\/(livez|readyz|metrics|docs)/;

/**
 * Every answer that is not a success has seed 000's error shape, is audited (the answer says
 * whether the audit record was acknowledged; abuse past its per-interval allowance is counted in a
 * summary record instead, see AbuseLedger), and nothing but a real fault is a 500.
 */
@Catch()
export class GatewayExceptionFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly audit: AuditTrail,
    private readonly abuse: AbuseLedger,
  ) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const request = http.getRequest<GatewayRequest>();
    const reply = http.getResponse<FastifyReply>();
    let error = toApiError(exception) ?? outageError(exception);
    if (!error) {
      this.logger.error({ err: exception, route: request.routeOptions?.url, method: request.method, requestId: request.requestId }, 'request failed');
      error = ApiError.internal();
    }

    request.errorAnswer = { code: error.code, message: error.message };
    const route = request.routeOptions?.url;
    if (request.auditLogged === undefined && route && !UNAUDITED.test(route) && !this.abuse.note(request, error.status, error.code)) {
      // Past this interval's allowance of abuse records for the customer and kind: counted in the
      // interval's summary record instead, so a flood does not write a record per request.
      request.auditLogged = false;
    }
    if (request.auditLogged === undefined && route && !UNAUDITED.test(route)) {
      const record = this.audit.recordFor(request, error.status, error.code);
      if (exception instanceof PublishError) {
        // Kafka has just let the acknowledgement deadline pass; waiting as long again for the audit
        // record would double the answer time past what clients wait (the Kafka outage drill saw
        // timeouts, not 503s). The record still goes to the producer; the answer says it is unconfirmed.
        void this.audit.publish(record);
        request.auditLogged = false;
      } else {
        request.auditLogged = await this.audit.publish(record);
      }
    }
    // A verified browser origin may read its own errors; an unverified one gets no CORS header.
    if (request.customer && route?.startsWith('/api/v1/tracking/collect') && request.headers.origin) allowOrigin(reply, request.headers.origin);

    const customerHeader = request.headers['x-customer-id'];
    reply
      .status(error.status)
      .headers(error.headers)
      .send(
        errorEnvelope(error, {
          customerId: request.customer?.customerId ?? (typeof customerHeader === 'string' ? customerHeader.slice(0, 100) : null),
          auditLogged: request.auditLogged ?? false,
        }),
      );
  }
}
