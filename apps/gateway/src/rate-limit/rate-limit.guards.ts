import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { GatewayRequest } from '../http/gateway-request';
import { RateLimiter } from './rate-limiter';

function parts(context: ExecutionContext): { request: GatewayRequest; reply: FastifyReply } {
  const http = context.switchToHttp();
  return { request: http.getRequest<GatewayRequest>(), reply: http.getResponse<FastifyReply>() };
}

/** First guard of the ingestion routes: the per-address limit, before anything else is looked at. */
@Injectable()
export class ClientAddressRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { request, reply } = parts(context);
    await this.limiter.enforceClientAddress(request, reply);
    return true;
  }
}

/** After authentication: the customer's hourly limit and the key's per-minute limit. */
@Injectable()
export class CustomerRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { request, reply } = parts(context);
    if (request.customer) await this.limiter.enforceCustomer(request, reply, request.customer);
    return true;
  }
}
