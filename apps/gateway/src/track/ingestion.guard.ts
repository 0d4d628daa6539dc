import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { TrackingEnabledGuard } from '../auth/tracking-enabled.guard';
import type { GatewayRequest } from '../http/gateway-request';
import { jsonBodyRefusal } from '../http/json-body.guard';
import { RateLimiter } from '../rate-limit/rate-limiter';

/**
 * The API ingestion routes' guards in one: ClientAddressRateLimitGuard, JsonBodyGuard,
 * ApiTokenGuard, TrackingEnabledGuard and CustomerRateLimitGuard, with the same checks, refusals
 * and order, but both limits counted in one round trip to the rate-limit store instead of two.
 *
 * The credentials are verified first, with nothing recorded; the address limit is applied (a
 * refusal there is answered as before, as if nothing else had been looked at); then the content
 * type, the credentials and the switches refuse in their order; and only a request that passes all
 * of them has had its customer's and key's limits counted (see RateLimiter.enforceAddressThenCustomer).
 */
@Injectable()
export class IngestionGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly tokens: ApiTokenGuard,
    private readonly enabled: TrackingEnabledGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<GatewayRequest>();
    const reply = http.getResponse<FastifyReply>();
    const wrongType = jsonBodyRefusal(request);
    const verification = this.tokens.verify(request, this.tokens.requiredScope(context));
    const switchedOff = this.enabled.refusal(verification.ok ? verification.customer : undefined);
    const counted = !wrongType && verification.ok && !switchedOff ? { config: verification.customer, keyId: verification.keyId } : undefined;
    await this.limiter.enforceAddressThenCustomer(request, reply, counted, () => {
      if (wrongType) throw wrongType;
      this.tokens.settle(request, verification);
      if (switchedOff) throw switchedOff;
    });
    return true;
  }
}
