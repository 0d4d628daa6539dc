import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { AUDIT_ROWS } from '@tracking/http';
import { from, mergeMap, type Observable } from 'rxjs';
import type { GatewayRequest } from '../http/gateway-request';
import { AuditTrail } from './audit-trail';

/**
 * Audits successful answers of routes without events (health, configuration, keys, the read API)
 * and fills in `audit_logged` where the answer has it; a read route's record counts the rows it
 * returned (`@AuditRows`). A streamed answer (the CSV export) is audited when the stream ends, with
 * the rows it sent, and `INCOMPLETE` when the client hung up first. Refusals are audited by the
 * exception filter.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditTrail,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<GatewayRequest>();
    const reply = http.getResponse<FastifyReply>();
    const count = this.reflector.get<((body: unknown) => number | null) | undefined>(AUDIT_ROWS, context.getHandler());
    // Registered before the handler runs: a streaming handler returns only once Fastify has sent
    // the whole answer (a reply is awaitable), when 'close' has already fired. A refusal before the
    // stream started is the exception filter's to audit (it sets auditLogged).
    reply.raw.once('close', () => {
      if (!request.auditAtEnd || request.auditLogged !== undefined) return;
      const record = this.audit.recordFor(request, reply.statusCode, reply.raw.writableFinished ? null : 'INCOMPLETE', request.auditRows ?? 0);
      void this.audit.publish(record);
    });
    return next.handle().pipe(
      mergeMap((body: unknown) =>
        from(
          (async () => {
            if (request.auditAtEnd) return body;
            const logged = await this.audit.publish(this.audit.recordFor(request, reply.statusCode, null, count ? count(body) : null));
            request.auditLogged = logged;
            if (body && typeof body === 'object' && 'audit_logged' in body) return { ...body, audit_logged: logged };
            return body;
          })(),
        ),
      ),
    );
  }
}
