import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOGGER, type Logger } from '@tracking/observability';
import { ApiError, toApiError } from './api-error';
import { errorEnvelope } from './error-envelope';

/**
 * Every error answer of a service without an audit trail (the consuming services' admin routes,
 * their health routes, unknown routes) in seed 000's shape; nothing but a real fault is a 500, and
 * a 500 says nothing of its cause (the log does).
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    let error = toApiError(exception);
    if (!error) {
      this.logger.error({ err: exception, route: request.routeOptions?.url, method: request.method }, 'request failed');
      error = ApiError.internal();
    }
    http
      .getResponse<FastifyReply>()
      .status(error.status)
      .headers(error.headers)
      .send(errorEnvelope(error, { customerId: null, auditLogged: false }));
  }
}
