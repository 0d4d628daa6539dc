import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { CustomerConfig } from '@tracking/customers';
import { CustomerRegistry } from '../customers/customer.registry';
import { ApiError } from '@tracking/http';
import type { GatewayRequest } from '../http/gateway-request';
import { TrackingKeyCache } from '../keys/tracking-key.cache';
import { browserCredentials } from './browser-credentials';

/**
 * Browser collection: the customer and a publishable key (from the query string, where
 * sendBeacon can put them, or the body), and an Origin the customer allows. A publishable key is
 * public by design; the allowed origins are what keep other sites from sending as the customer.
 */
@Injectable()
export class PublishableKeyGuard implements CanActivate {
  constructor(
    private readonly customers: CustomerRegistry,
    private readonly keys: TrackingKeyCache,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    const { customerId, publishableKey } = browserCredentials(request);
    if (!customerId || !publishableKey) {
      throw new ApiError(401, 'UNAUTHORIZED', 'Missing customer_id or publishable key (query ?customer_id=&key= or body fields)');
    }
    const customer = this.customers.find(customerId);
    if (!customer) throw new ApiError(404, 'CUSTOMER_NOT_FOUND', `Customer configuration not found for "${customerId.slice(0, 100)}"`);
    const keyId = this.keyIdFor(customer, publishableKey);
    if (!keyId) {
      request.abuse = { kind: 'invalid_credentials', customerId: customer.customerId };
      throw new ApiError(401, 'UNAUTHORIZED', 'Unknown publishable key for this customer');
    }
    const origin = request.headers.origin;
    if (!origin || !customer.tracking.allowedOrigins.includes(origin)) {
      request.abuse = { kind: 'origin_mismatch', customerId: customer.customerId };
      throw new ApiError(403, 'FORBIDDEN', `Origin ${origin ? `"${origin.slice(0, 200)}"` : '(none)'} is not allowed for customer "${customerId}"`);
    }
    request.customer = customer;
    request.keyId = keyId;
    request.auditActor = 'publishable_key';
    return true;
  }

  private keyIdFor(customer: CustomerConfig, publishableKey: string): string | undefined {
    if (customer.tracking.publishableKeys.some((entry) => entry.key === publishableKey)) return publishableKey;
    const key = this.keys.findByPublishableKey(publishableKey);
    if (key?.customerId !== customer.customerId) return undefined;
    // A keys-API key created without `ingest` sends nothing, by its secret or by its publishable half.
    if (!key.scopes.includes('ingest')) throw new ApiError(403, 'FORBIDDEN', 'This key has no ingest scope');
    this.keys.recordUse(key);
    return key.keyId;
  }
}
