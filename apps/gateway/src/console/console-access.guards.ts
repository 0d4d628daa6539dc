import { timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { checkAdminToken } from '@tracking/config';
import type { TokenScope } from '@tracking/customers';
import { ADMIN_TOKEN_SHA256, ApiError, operatorActor } from '@tracking/http';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { CustomerRegistry } from '../customers/customer.registry';
import type { GatewayRequest } from '../http/gateway-request';
import { CSRF_HEADER, SESSION_COOKIE, readCookies } from './console-cookies';
import type { ConsoleSession } from './console-session';
import { ConsoleSessionService } from './console-session.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** The customer a request names: X-Customer-ID, else the `customer_id` query parameter. */
function namedCustomer(request: GatewayRequest): string | undefined {
  return text(request.headers['x-customer-id']) ?? text((request.query as Record<string, unknown> | undefined)?.['customer_id']);
}

/**
 * The console session behind the request's cookie, with the CSRF check: a state-changing call
 * authenticated by the cookie must repeat the session's CSRF token in X-CSRF-Token, which another
 * site's page cannot read. Undefined without a session cookie; 401 for one that is not live.
 */
@Injectable()
export class ConsoleSessionReader {
  constructor(private readonly sessions: ConsoleSessionService) {}

  hasCookie(request: GatewayRequest): boolean {
    return readCookies(request.headers.cookie).has(SESSION_COOKIE);
  }

  async read(request: GatewayRequest): Promise<ConsoleSession | undefined> {
    const cookie = readCookies(request.headers.cookie).get(SESSION_COOKIE);
    if (cookie === undefined) return undefined;
    const session = await this.sessions.find(cookie);
    if (!session) throw new ApiError(401, 'UNAUTHORIZED', 'Console session expired or signed out: sign in again');
    if (!SAFE_METHODS.has(request.method)) {
      const header = text(request.headers[CSRF_HEADER]);
      if (!header || !sameText(header, session.csrfToken)) throw new ApiError(403, 'FORBIDDEN', 'Missing or wrong X-CSRF-Token header for this console session');
    }
    request.consoleSession = session;
    return session;
  }
}

/** The console's own session routes: a live session (CSRF-checked), nothing else. */
@Injectable()
export class ConsoleSessionGuard implements CanActivate {
  constructor(private readonly reader: ConsoleSessionReader) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const session = await this.reader.read(context.switchToHttp().getRequest<GatewayRequest>());
    if (!session) throw new ApiError(401, 'UNAUTHORIZED', 'Not signed in to the console');
    return true;
  }
}

/**
 * A tenant route that needs `scope`: a customer's bearer token carrying it (X-Customer-ID), as
 * before, or a console session. A customer session must carry the scope too and reaches only its own
 * tenant (naming another is refused); an operator session may use any scope and names the customer
 * it works on. Either way request.customer is set and the reads go through the same
 * row-level-security path.
 */
@Injectable()
abstract class TenantAccessGuard implements CanActivate {
  protected abstract readonly scope: TokenScope;

  constructor(
    private readonly tokens: ApiTokenGuard,
    private readonly reader: ConsoleSessionReader,
    private readonly customers: CustomerRegistry,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    // A bearer token wins: scripts keep working with a stale console cookie in the same client.
    if (request.headers.authorization !== undefined || !this.reader.hasCookie(request)) {
      this.tokens.authenticate(request, this.scope);
      return true;
    }
    const session = await this.reader.read(request);
    if (!session) throw new ApiError(401, 'UNAUTHORIZED', 'Not signed in to the console');
    const named = namedCustomer(request);
    if (session.role === 'customer') {
      if (named !== undefined && named !== session.customerId) {
        request.abuse = { kind: 'cross_tenant_token', customerId: this.customers.find(named)?.customerId ?? null };
        throw new ApiError(403, 'FORBIDDEN', `This console session is not valid for customer "${named.slice(0, 100)}"`);
      }
      if (!session.scopes.includes(this.scope)) throw new ApiError(403, 'FORBIDDEN', `This console session's token has no ${this.scope} scope`);
      const customer = this.customers.find(session.customerId ?? '');
      if (!customer) throw new ApiError(401, 'UNAUTHORIZED', 'Console session expired or signed out: sign in again');
      request.customer = customer;
      request.keyId = session.tokenId ?? null;
      request.auditActor = 'console_customer';
      return true;
    }
    if (named === undefined) throw ApiError.invalid([{ field: 'customer_id', reason: 'is required: an operator session names the customer it works on (query customer_id or X-Customer-ID)' }]);
    const customer = this.customers.find(named);
    if (!customer) throw new ApiError(404, 'CUSTOMER_NOT_FOUND', `Customer configuration not found for "${named.slice(0, 100)}"`);
    request.customer = customer;
    request.keyId = null;
    request.auditActor = 'operator:console';
    return true;
  }
}

/** The tenant read routes (analytics, CSV export, status, dashboard, the console's pages): the `read` scope. */
@Injectable()
export class ReadAccessGuard extends TenantAccessGuard {
  protected readonly scope = 'read';
}

/** The tenant's self-service settings (keys, workflows, exports, erasures, redrives): the `admin` scope. */
@Injectable()
export class AdminAccessGuard extends TenantAccessGuard {
  protected readonly scope = 'admin';
}

/** Operator-only console routes: an operator session, or TRACKING_ADMIN_TOKEN as a bearer token. */
@Injectable()
export class ConsoleOperatorGuard implements CanActivate {
  constructor(
    private readonly reader: ConsoleSessionReader,
    @Inject(ADMIN_TOKEN_SHA256) private readonly adminTokenSha256: Buffer | undefined,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    if (request.headers.authorization === undefined && this.reader.hasCookie(request)) {
      const session = await this.reader.read(request);
      if (session?.role !== 'operator') throw new ApiError(403, 'FORBIDDEN', 'Operators only');
      request.auditActor = 'operator:console';
      return true;
    }
    const check = checkAdminToken(this.adminTokenSha256, request.headers.authorization);
    if (check === 'disabled') throw new ApiError(403, 'FORBIDDEN', 'Operator access is disabled on this gateway: set TRACKING_ADMIN_TOKEN');
    if (check !== 'ok') throw new ApiError(401, 'UNAUTHORIZED', check === 'missing' ? 'Missing console session or admin bearer token' : 'Invalid admin token');
    request.auditActor = operatorActor(request);
    return true;
  }
}
