import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { checkAdminToken } from '@tracking/config';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ApiError } from '../http/api-error';
import type { GatewayRequest } from '../http/gateway-request';

/** The keys API answers only to the admin token (TRACKING_ADMIN_TOKEN), compared by hash in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.adminTokenSha256;
    if (!expected) throw new ApiError(403, 'FORBIDDEN', 'The keys API is disabled: set TRACKING_ADMIN_TOKEN to enable it');
    const check = checkAdminToken(expected, context.switchToHttp().getRequest<GatewayRequest>().headers.authorization);
    if (check === 'missing') throw new ApiError(401, 'UNAUTHORIZED', 'Missing or invalid Authorization header: expected "Bearer <admin token>"');
    if (check !== 'ok') throw new ApiError(401, 'UNAUTHORIZED', 'Invalid admin token');
    return true;
  }
}
