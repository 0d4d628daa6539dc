import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { checkAdminToken } from '@tracking/config';
import { ApiError } from './api-error';
import { operatorActor, type AuditedRequest } from './read-audit';

/**
 * SHA-256 of the operators' token (TRACKING_ADMIN_TOKEN), undefined when it is unset: each app
 * provides it from its config (`readAdminTokenSha256`).
 */
export const ADMIN_TOKEN_SHA256 = Symbol('ADMIN_TOKEN_SHA256');

/**
 * Admin routes answer only to `Authorization: Bearer <TRACKING_ADMIN_TOKEN>`, compared by hash in
 * constant time. Without the setting every service answers 403 alike: the route exists, it is off.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN_SHA256) private readonly expectedSha256: Buffer | undefined) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const check = checkAdminToken(this.expectedSha256, request.headers.authorization);
    if (check === 'disabled') {
      const route = `${request.method} ${request.routeOptions?.url ?? ''}`.trim();
      throw new ApiError(403, 'FORBIDDEN', `The admin API is disabled on this service (${route}): set TRACKING_ADMIN_TOKEN to enable it`);
    }
    if (check === 'missing') throw new ApiError(401, 'UNAUTHORIZED', 'Missing or invalid Authorization header: expected "Bearer <admin token>"');
    if (check === 'invalid') throw new ApiError(401, 'UNAUTHORIZED', 'Invalid admin token');
    // For the audit record: an operator, named if X-Applied-By says who; refusals above stay anonymous.
    (request as AuditedRequest).auditActor = operatorActor(request);
    return true;
  }
}
