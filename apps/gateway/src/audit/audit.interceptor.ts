import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import type { GatewayRequest } from '../http/gateway-request';
import { AuditTrail } from './audit-trail';

/**
 * Audits successful answers of routes without events (health, configuration, keys) and fills in
 * `audit_logged` where the answer has it. Refusals are audited by the exception filter.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly audit: AuditTrail) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<GatewayRequest>();
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      mergeMap((body: unknown) =>
        from(
          (async () => {
            const logged = await this.audit.publish(this.audit.recordFor(request, reply.statusCode, null));
            request.auditLogged = logged;
            if (body && typeof body === 'object' && 'audit_logged' in body) return { ...body, audit_logged: logged };
            return body;
          })(),
        ),
      ),
    );
  }
}
