import type { TokenScope } from '@tracking/customers';

/** A key as the gateway's cache holds it: never the secret, only its hash. */
export interface TrackingKey {
  keyId: string;
  customerId: string;
  publishableKey: string;
  secretSha256: Buffer;
  description: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  rotatedFrom: string | null;
  /** When a rotation replaced this key (it stays valid for the overlap). */
  rotatedAt: Date | null;
  lastUsedAt: Date | null;
  /** What its secret may do, checked wherever a token is (issue 21); [ingest, read] for keys older than scopes. */
  scopes: readonly TokenScope[];
}

export function isActive(key: TrackingKey, now: number): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt.getTime() > now);
}
