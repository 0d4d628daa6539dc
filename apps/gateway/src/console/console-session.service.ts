import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { checkAdminToken } from '@tracking/config';
import type { CustomerConfig, TokenScope } from '@tracking/customers';
import { ADMIN_TOKEN_SHA256, ApiError } from '@tracking/http';
import { hashToken, matchesCustomerToken } from '../auth/token-verifier';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { CustomerRegistry } from '../customers/customer.registry';
import { TrackingKeyCache } from '../keys/tracking-key.cache';
import type { ConsoleSession } from './console-session';
import { ConsoleSessionRepository, type SessionLifetime } from './console-session.repository';

export type SignInRequest = { customerId: string; token: string } | { operatorToken: string };

const OPERATOR_SCOPES: readonly TokenScope[] = ['ingest', 'read', 'admin'];
/** Base64url of 32 random bytes; anything else in the cookie is not looked up. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
const randomId = (): string => randomBytes(32).toString('base64url');

/** One answer for every wrong part (unknown customer, wrong token, wrong operator token): it says nothing about which. */
const wrongCredentials = (): ApiError => new ApiError(401, 'UNAUTHORIZED', 'Invalid console credentials');

/**
 * Console sign-in, sign-out and the session behind a cookie. A customer signs in with a credential
 * of its own that has the `read` scope, the same ones its bearer calls take: a token of its
 * configuration or the secret of a key made through the keys API; an operator with
 * TRACKING_ADMIN_TOKEN. The credential is looked up again on every request, so removing or revoking
 * it (or taking its `read` scope) ends its sessions.
 */
@Injectable()
export class ConsoleSessionService {
  private readonly lifetime: SessionLifetime;

  constructor(
    private readonly sessions: ConsoleSessionRepository,
    private readonly customers: CustomerRegistry,
    private readonly keys: TrackingKeyCache,
    @Inject(ADMIN_TOKEN_SHA256) private readonly adminTokenSha256: Buffer | undefined,
    @Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'console'>,
  ) {
    this.lifetime = { idleMs: config.console.sessionIdleMs, maxMs: config.console.sessionMaxMs };
  }

  get maxAgeSeconds(): number {
    return Math.floor(Math.min(this.lifetime.idleMs, this.lifetime.maxMs) / 1000);
  }

  /** The new session and its id, the only time the id exists outside the browser. */
  async signIn(credentials: SignInRequest): Promise<{ sessionId: string; session: ConsoleSession }> {
    const sessionId = randomId();
    const base = { idSha256: sha256(sessionId), csrfToken: randomId() };
    let session: ConsoleSession;
    if ('operatorToken' in credentials) {
      if (checkAdminToken(this.adminTokenSha256, `Bearer ${credentials.operatorToken}`) !== 'ok') throw wrongCredentials();
      session = { ...base, role: 'operator', scopes: OPERATOR_SCOPES };
    } else {
      const customer = this.customers.find(credentials.customerId);
      // Hashed and compared even for an unknown customer, so timing does not tell customers apart.
      const tokenHash = hashToken(credentials.token);
      const yamlTokenId = customer ? matchesCustomerToken(customer, tokenHash) : undefined;
      const key = yamlTokenId === undefined ? this.keys.findBySecretHash(tokenHash) : undefined;
      const tokenId = yamlTokenId ?? (key && key.customerId === customer?.customerId ? key.keyId : undefined);
      const scopes = customer && tokenId !== undefined ? this.scopesOf(customer, tokenId) : undefined;
      if (!customer || tokenId === undefined || !scopes) throw wrongCredentials();
      if (!scopes.includes('read')) {
        throw new ApiError(403, 'FORBIDDEN', 'This token has no read scope: an ingestion-only token cannot open the console');
      }
      if (key) this.keys.recordUse(key);
      session = { ...base, role: 'customer', customerId: customer.customerId, tokenId, scopes };
    }
    await this.sessions.deleteExpired(this.lifetime);
    await this.sessions.insert(session);
    return { sessionId, session };
  }

  /** The live session of this cookie value, or undefined (unknown, expired, or its token gone or without `read`). */
  async find(sessionId: string | undefined): Promise<ConsoleSession | undefined> {
    if (sessionId === undefined || !SESSION_ID.test(sessionId)) return undefined;
    const session = await this.sessions.touch(sha256(sessionId), this.lifetime);
    if (!session) return undefined;
    if (session.role === 'operator') return this.adminTokenSha256 ? session : undefined;
    const customer = this.customers.find(session.customerId ?? '');
    const scopes = customer ? this.scopesOf(customer, session.tokenId ?? '') : undefined;
    if (!scopes?.includes('read')) return undefined;
    // Scopes as they are now, not as they were at sign-in.
    return { ...session, scopes };
  }

  /** The scopes of a customer's credential by id as it stands now: a configuration token's, else an active key's of that customer. */
  private scopesOf(customer: CustomerConfig, tokenId: string): readonly TokenScope[] | undefined {
    const entry = customer.tracking.apiTokens.find((token) => token.id === tokenId);
    if (entry) return entry.scopes;
    const key = this.keys.findById(tokenId);
    return key?.customerId === customer.customerId ? key.scopes : undefined;
  }

  async signOut(session: ConsoleSession): Promise<void> {
    await this.sessions.delete(session.idSha256);
  }
}
