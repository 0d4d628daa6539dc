import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { trackingEnabled, type CustomerConfig } from '@tracking/customers';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ApiError } from '@tracking/http';
import type { GatewayRequest } from '../http/gateway-request';

/** Seed 002's `tracking.ingest.enabled`: off for everyone by configuration, or for one customer by its features.yaml. */
@Injectable()
export class TrackingEnabledGuard implements CanActivate {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const refusal = this.refusal(context.switchToHttp().getRequest<GatewayRequest>().customer);
    if (refusal) throw refusal;
    return true;
  }

  /** Why ingestion is refused (switched off everywhere, or for this customer), if it is. */
  refusal(customer: CustomerConfig | undefined): ApiError | undefined {
    if (!this.config.flags.ingestEnabled) {
      return new ApiError(503, 'SERVICE_UNAVAILABLE', 'Ingestion is switched off (tracking.ingest.enabled)', undefined, { 'Retry-After': '60' });
    }
    if (customer && !trackingEnabled(customer)) return new ApiError(403, 'FORBIDDEN', `Tracking is disabled for customer "${customer.customerId}"`);
    return undefined;
  }
}
