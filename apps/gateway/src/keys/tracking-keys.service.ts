import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DEFAULT_TOKEN_SCOPES, TOKEN_SCOPES, type TokenScope } from '@tracking/customers';
import { hashToken } from '../auth/token-verifier';
import { CustomerRegistry } from '../customers/customer.registry';
import { ApiError } from '@tracking/http';
import type { TrackingKey } from './tracking-key';
import { TrackingKeyCache } from './tracking-key.cache';
import { TrackingKeyRepository, type NewKey } from './tracking-key.repository';

export interface KeyView {
  key_id: string;
  customer_id: string;
  publishable_key: string;
  description: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  rotated_from: string | null;
  /** When a rotation replaced this key; it stays valid until expires_at (the overlap). */
  rotated_at: string | null;
  last_used_at: string | null;
  /** What the key's secret may do: ingest, read, admin. */
  scopes: TokenScope[];
  status: 'active' | 'expiring' | 'expired' | 'revoked';
}

/** Returned once, when a key is created or rotated: the only time the secret exists outside the client. */
export interface IssuedKey extends KeyView {
  secret: string;
}

export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;
export const MAX_ROTATION_OVERLAP_SECONDS = 30 * 24 * 3600;

function view(key: TrackingKey, now = Date.now()): KeyView {
  const status = key.revokedAt
    ? 'revoked'
    : key.expiresAt && key.expiresAt.getTime() <= now
      ? 'expired'
      : key.expiresAt
        ? 'expiring'
        : 'active';
  return {
    key_id: key.keyId,
    customer_id: key.customerId,
    publishable_key: key.publishableKey,
    description: key.description,
    created_at: key.createdAt.toISOString(),
    expires_at: key.expiresAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
    rotated_from: key.rotatedFrom,
    rotated_at: key.rotatedAt?.toISOString() ?? null,
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    scopes: [...key.scopes],
    status,
  };
}

/** Scopes in their canonical order, each once: what a key stores and lists. */
function normaliseScopes(scopes: readonly TokenScope[]): TokenScope[] {
  return TOKEN_SCOPES.filter((scope) => scopes.includes(scope));
}

/**
 * Seed 002's firm-managed tracking keys: create, list, rotate with overlap, revoke. Operators act on
 * any customer's key; a customer's own routes (issue 21) pass `owner`, and another customer's key is
 * then "not found": the answer says nothing of whether it exists.
 */
@Injectable()
export class TrackingKeysService {
  constructor(
    private readonly repository: TrackingKeyRepository,
    private readonly cache: TrackingKeyCache,
    private readonly customers: CustomerRegistry,
  ) {}

  async create(customerId: string, description: string | null, scopes: readonly TokenScope[] = DEFAULT_TOKEN_SCOPES): Promise<IssuedKey> {
    this.requireCustomer(customerId);
    const chosen = normaliseScopes(scopes);
    if (chosen.length === 0) throw ApiError.invalid([{ field: 'scopes', reason: `must name at least one of ${TOKEN_SCOPES.join(', ')}` }]);
    const { key, secret } = this.newKey(customerId, description, null, chosen);
    const created = await this.repository.create(key);
    this.cache.apply(created);
    return { ...view(created), secret };
  }

  async list(customerId: string): Promise<KeyView[]> {
    this.requireCustomer(customerId);
    return (await this.repository.listForCustomer(customerId)).map((key) => view(key));
  }

  /** A replacement with the old key's description and scopes; the old key stays valid for `overlapSeconds`. */
  async rotate(keyId: string, overlapSeconds: number, owner?: string): Promise<{ key: IssuedKey; previous: KeyView }> {
    const existing = await this.repository.find(keyId, owner);
    if (!existing) throw new ApiError(404, 'INVALID_REQUEST', `No tracking key ${keyId}`);
    if (existing.revokedAt) throw new ApiError(409, 'INVALID_REQUEST', `Tracking key ${keyId} is revoked and cannot be rotated`);
    const { key, secret } = this.newKey(existing.customerId, existing.description, existing.keyId, existing.scopes);
    const { created, previous } = await this.repository.rotate(keyId, key, overlapSeconds);
    this.cache.apply(created);
    this.cache.apply(previous);
    return { key: { ...view(created), secret }, previous: view(previous) };
  }

  async revoke(keyId: string, owner?: string): Promise<KeyView> {
    const revoked = await this.repository.revoke(keyId, owner);
    if (!revoked) throw new ApiError(404, 'INVALID_REQUEST', `No tracking key ${keyId}`);
    this.cache.apply(revoked);
    return view(revoked);
  }

  private requireCustomer(customerId: string): void {
    if (!this.customers.find(customerId)) throw new ApiError(404, 'CUSTOMER_NOT_FOUND', `Customer configuration not found for "${customerId}"`);
  }

  private newKey(customerId: string, description: string | null, rotatedFrom: string | null, scopes: readonly TokenScope[]): { key: NewKey; secret: string } {
    const secret = `sk_live_${randomBytes(24).toString('hex')}`;
    return {
      secret,
      key: {
        keyId: `key_${randomBytes(8).toString('hex')}`,
        customerId,
        publishableKey: `pk_live_${randomBytes(12).toString('hex')}`,
        secretSha256: hashToken(secret),
        description,
        rotatedFrom,
        scopes,
      },
    };
  }
}
