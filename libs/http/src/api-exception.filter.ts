import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOGGER, type Logger } from '@tracking/observability';
import { ApiError, toApiError } from './api-error';
import { errorEnvelope } from './error-envelope';
import { ReadAudit, UNAUDITED_PATHS } from './read-audit';

/**
 * Every error answer of a consuming service (its admin routes, health routes, unknown routes) in
 * seed 000's shape; nothing but a real fault is a 500, and a 500 says nothing of its cause (the log
 * does). With a ReadAudit provided, a refusal of one of its routes is audited like an answer
 * (`audit_logged` says whether Kafka took the record): a refused read is a read attempt too.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() private readonly audit?: ReadAudit,
  ) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    let error = toApiError(exception);
    if (!error) {
      this.logger.error({ err: exception, route: request.routeOptions?.url, method: request.method }, 'request failed');
      error = ApiError.internal();
    }
    let auditLogged = false;
    let headers = error.headers;
    const route = request.routeOptions?.url;
    if (this.audit && host.getType() === 'http' && route && !UNAUDITED_PATHS.test(route)) {
      const record = this.audit.operatorRecord(request, error.status, error.code, null);
      auditLogged = await this.audit.publish(record);
      headers = { ...headers, 'X-Request-ID': record.audit_id };
    }
    http
      .getResponse<FastifyReply>()
      .status(error.status)
      .headers(headers)
      .send(errorEnvelope(error, { customerId: null, auditLogged }));
  }
}
