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
  lastUsedAt: Date | null;
}

export function isActive(key: TrackingKey, now: number): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt.getTime() > now);
}
