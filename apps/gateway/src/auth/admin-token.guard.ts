import { timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ApiError } from '../http/api-error';
import type { GatewayRequest } from '../http/gateway-request';
import { bearerToken, hashToken } from './token-verifier';

/** The keys API answers only to the admin token (TRACKING_ADMIN_TOKEN), compared by hash in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.adminTokenSha256;
    if (!expected) throw new ApiError(403, 'FORBIDDEN', 'The keys API is disabled: set TRACKING_ADMIN_TOKEN to enable it');
    const token = bearerToken(context.switchToHttp().getRequest<GatewayRequest>().headers.authorization);
    if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'Missing or invalid Authorization header: expected "Bearer <admin token>"');
    if (!timingSafeEqual(hashToken(token), expected)) throw new ApiError(401, 'UNAUTHORIZED', 'Invalid admin token');
    return true;
  }
}
