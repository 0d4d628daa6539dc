import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { CustomerConfig, TokenScope } from '@tracking/customers';
import { anonymiseIp } from '@tracking/ingestion';
import { LOGGER, type Logger } from '@tracking/observability';
import { CustomerRegistry } from '../customers/customer.registry';
import { ApiError } from '@tracking/http';
import type { GatewayRequest } from '../http/gateway-request';
import { TrackingKeyCache } from '../keys/tracking-key.cache';
import type { TrackingKey } from '../keys/tracking-key';
import { bearerToken, hashToken, matchesCustomerToken } from './token-verifier';

const REQUIRED_SCOPE = 'tracking:required-token-scope';

/** The outcome of checking a request's credentials, before anything is recorded (ApiTokenGuard.verify). */
export type TokenVerification =
  | { ok: true; customer: CustomerConfig; keyId: string | null; trackingKey: TrackingKey | undefined }
  | {
      ok: false;
      error: ApiError;
      abuse?: NonNullable<GatewayRequest['abuse']>;
      /** A valid token of another customer: logged as abuse when settled. */
      crossTenant?: { customerId: string; tokenOwner: string };
    };

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
    this.authenticate(context.switchToHttp().getRequest<GatewayRequest>(), this.requiredScope(context));
    return true;
  }

  /** The scope the route's token must carry (RequireScope), if any. */
  requiredScope(context: ExecutionContext): TokenScope | undefined {
    return this.reflector.getAllAndOverride<TokenScope | undefined>(REQUIRED_SCOPE, [context.getHandler(), context.getClass()]);
  }

  /** Sets request.customer from X-Customer-ID and the bearer token, which must carry `scope` when one is named. */
  authenticate(request: GatewayRequest, scope?: TokenScope): CustomerConfig {
    return this.settle(request, this.verify(request, scope));
  }

  /**
   * What X-Customer-ID and the bearer token prove, with nothing recorded on the request or logged
   * yet: the ingestion routes verify before their address limit answers, and only a request that
   * passes that limit has its verification settled (see IngestionGuard).
   */
  verify(request: GatewayRequest, scope?: TokenScope): TokenVerification {
    const customerId = request.headers['x-customer-id'];
    if (typeof customerId !== 'string' || customerId.trim() === '') {
      return { ok: false, error: new ApiError(401, 'UNAUTHORIZED', 'Missing X-Customer-ID header') };
    }
    const token = bearerToken(request.headers.authorization);
    if (!token) return { ok: false, error: new ApiError(401, 'UNAUTHORIZED', 'Missing or invalid Authorization header: expected "Bearer <api token>"') };

    const customer = this.customers.find(customerId);
    if (!customer) return { ok: false, error: new ApiError(404, 'CUSTOMER_NOT_FOUND', `Customer configuration not found for "${customerId.slice(0, 100)}"`) };

    const tokenHash = hashToken(token);
    const yamlTokenId = matchesCustomerToken(customer, tokenHash);
    const trackingKey = yamlTokenId ? undefined : this.keys.findBySecretHash(tokenHash);
    const owner = trackingKey?.customerId ?? (yamlTokenId ? customer.customerId : this.customers.ownerOfTokenHash(tokenHash));
    if (owner !== customer.customerId) {
      if (owner) {
        return {
          ok: false,
          error: new ApiError(403, 'FORBIDDEN', `This token is not valid for customer "${customerId}"`),
          abuse: { kind: 'cross_tenant_token', customerId: customer.customerId },
          crossTenant: { customerId, tokenOwner: owner },
        };
      }
      return { ok: false, error: new ApiError(401, 'UNAUTHORIZED', 'Invalid API token'), abuse: { kind: 'invalid_credentials', customerId: customer.customerId } };
    }
    // A YAML token's scopes from config.yaml; a keys-API key's as chosen at creation ([ingest, read] for older keys).
    const scopes = yamlTokenId ? (customer.tracking.apiTokens.find((entry) => entry.id === yamlTokenId)?.scopes ?? []) : (trackingKey?.scopes ?? []);
    if (scope && !scopes.includes(scope)) return { ok: false, error: new ApiError(403, 'FORBIDDEN', `This token has no ${scope} scope`) };
    return { ok: true, customer, keyId: yamlTokenId ?? trackingKey?.keyId ?? null, trackingKey };
  }

  /** Records a verification on the request (and logs cross-tenant use): returns the customer, or throws the refusal. */
  settle(request: GatewayRequest, verification: TokenVerification): CustomerConfig {
    if (!verification.ok) {
      if (verification.crossTenant) {
        this.logger.warn(
          { event: 'tracking.abuse', kind: 'cross_tenant_token', ...verification.crossTenant, ipBlock: anonymiseIp(request.ip, { mode: 'truncate' }) },
          'token of another customer presented',
        );
      }
      if (verification.abuse) request.abuse = verification.abuse;
      throw verification.error;
    }
    request.customer = verification.customer;
    request.keyId = verification.keyId;
    request.auditActor = 'customer_token';
    if (verification.trackingKey) this.keys.recordUse(verification.trackingKey);
    return verification.customer;
  }
}
