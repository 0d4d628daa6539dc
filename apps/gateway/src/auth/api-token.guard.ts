import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { CustomerConfig, TokenScope } from '@tracking/customers';
import { anonymiseIp } from '@tracking/ingestion';
import { LOGGER, type Logger } from '@tracking/observability';
import { CustomerRegistry } from '../customers/customer.registry';
import { ApiError } from '@tracking/http';
import type { GatewayRequest } from '../http/gateway-request';
import { TrackingKeyCache } from '../keys/tracking-key.cache';
import { bearerToken, hashToken, matchesCustomerToken } from './token-verifier';

const REQUIRED_SCOPE = 'tracking:required-token-scope';

/** The scope a route's customer token must carry (issue 21); routes without one take any valid token. */
export const RequireScope = (scope: TokenScope): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_SCOPE, scope);

/**
 * Seed 000's two-part authentication: X-Customer-ID names the tenant, the bearer token proves it.
 * Tokens are YAML development tokens or secrets of tracking keys created through the keys API. A
 * valid token of one customer presented for another is refused with 403 and logged as abuse.
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly customers: CustomerRegistry,
    private readonly keys: TrackingKeyCache,
    private readonly reflector: Reflector,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const scope = this.reflector.getAllAndOverride<TokenScope | undefined>(REQUIRED_SCOPE, [context.getHandler(), context.getClass()]);
    this.authenticate(context.switchToHttp().getRequest<GatewayRequest>(), scope);
    return true;
  }

  /** Sets request.customer from X-Customer-ID and the bearer token, which must carry `scope` when one is named. */
  authenticate(request: GatewayRequest, scope?: TokenScope): CustomerConfig {
    const customerId = request.headers['x-customer-id'];
    if (typeof customerId !== 'string' || customerId.trim() === '') {
      throw new ApiError(401, 'UNAUTHORIZED', 'Missing X-Customer-ID header');
    }
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'Missing or invalid Authorization header: expected "Bearer <api token>"');

    const customer = this.customers.find(customerId);
    if (!customer) throw new ApiError(404, 'CUSTOMER_NOT_FOUND', `Customer configuration not found for "${customerId.slice(0, 100)}"`);

    const tokenHash = hashToken(token);
    const yamlTokenId = matchesCustomerToken(customer, tokenHash);
    const trackingKey = yamlTokenId ? undefined : this.keys.findBySecretHash(tokenHash);
    const owner = trackingKey?.customerId ?? (yamlTokenId ? customer.customerId : this.customers.ownerOfTokenHash(tokenHash));
    if (owner !== customer.customerId) {
      if (owner) {
        this.logger.warn(
          { event: 'tracking.abuse', kind: 'cross_tenant_token', customerId, tokenOwner: owner, ipBlock: anonymiseIp(request.ip, { mode: 'truncate' }) },
          'token of another customer presented',
        );
        request.abuse = { kind: 'cross_tenant_token', customerId: customer.customerId };
        throw new ApiError(403, 'FORBIDDEN', `This token is not valid for customer "${customerId}"`);
      }
      request.abuse = { kind: 'invalid_credentials', customerId: customer.customerId };
      throw new ApiError(401, 'UNAUTHORIZED', 'Invalid API token');
    }
    // A YAML token's scopes from config.yaml; a keys-API key's as chosen at creation ([ingest, read] for older keys).
    const scopes = yamlTokenId ? (customer.tracking.apiTokens.find((entry) => entry.id === yamlTokenId)?.scopes ?? []) : (trackingKey?.scopes ?? []);
    if (scope && !scopes.includes(scope)) throw new ApiError(403, 'FORBIDDEN', `This token has no ${scope} scope`);
    request.customer = customer;
    request.keyId = yamlTokenId ?? trackingKey?.keyId ?? null;
    request.auditActor = 'customer_token';
    if (trackingKey) this.keys.recordUse(trackingKey);
    return customer;
  }
}
