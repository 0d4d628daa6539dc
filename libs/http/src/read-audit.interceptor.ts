import { type CallHandler, type ExecutionContext, Injectable, type InjectionToken, type NestInterceptor, type Provider } from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import type { AuditService } from '@tracking/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import { AUDIT_ROWS, AUDIT_SERVICE, AUDIT_SINK, ReadAudit, UNAUDITED_PATHS } from './read-audit';

/**
 * Audits every successful answer of a consuming service's HTTP routes (its admin API: privacy,
 * export, automations), after the handler and before the answer leaves, so a caller that has the
 * answer knows the record is on its way. Refusals are audited by ApiExceptionFilter, which runs
 * instead of this when the handler or a guard throws. Kafka handlers of the same app pass through.
 */
@Injectable()
export class ReadAuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: ReadAudit,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    if (UNAUDITED_PATHS.test(request.routeOptions?.url ?? request.url)) return next.handle();
    // The answer names its audit record, as the gateway's do: a caller can quote it to an auditor.
    reply.header('X-Request-ID', this.audit.begin(request));
    const count = this.reflector.get<((body: unknown) => number | null) | undefined>(AUDIT_ROWS, context.getHandler());
    return next.handle().pipe(
      mergeMap((body: unknown) =>
        from(
          (async () => {
            await this.audit.publish(this.audit.operatorRecord(request, reply.statusCode, null, count ? count(body) : null));
            return body;
          })(),
        ),
      ),
    );
  }
}

/**
 * What a service adds to its module for its routes to be audited: the service's name, the sink
 * (a provider of the app, e.g. the Kafka AuditTopicSink) and the interceptor on every route.
 */
export function readAuditProviders(service: AuditService, sink: InjectionToken): Provider[] {
  return [
    { provide: AUDIT_SERVICE, useValue: service },
    { provide: AUDIT_SINK, useExisting: sink },
    ReadAudit,
    { provide: APP_INTERCEPTOR, useClass: ReadAuditInterceptor },
  ];
}
