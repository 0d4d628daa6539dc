import { hash } from 'node:crypto';

/** Joins the normalised parts of a business key before hashing (Data Vault 2.0 convention). */
export const HASH_KEY_DELIMITER = '||';

/** Hash key of ghost records: the link target when a business key is missing. */
export const GHOST_HASH_KEY: Buffer = Buffer.alloc(32);

export type BusinessKeyPart = string | number | null | undefined;

/** Trimmed and upper-cased; a missing part is the empty string. */
export function normaliseBusinessKeyPart(part: BusinessKeyPart): string {
  return part === null || part === undefined ? '' : String(part).trim().toUpperCase();
}

/**
 * SHA-256 over the normalised, delimiter-joined business key, tenant first, so equal business
 * keys of two tenants never share a hash key. Returns the ghost key when every business part is
 * missing, so links to an absent session, visitor or page point at the ghost record.
 */
export function hashKey(tenantId: string, ...businessKey: BusinessKeyPart[]): Buffer {
  const parts = businessKey.map(normaliseBusinessKeyPart);
  if (parts.length > 0 && parts.every((part) => part === '')) {
    return GHOST_HASH_KEY;
  }
  const material = [normaliseBusinessKeyPart(tenantId), ...parts].join(HASH_KEY_DELIMITER);
  // One-shot hash: the same digest as createHash().update().digest() without a Hash object per key
  // (the vault loader computes about ten per event).
  return hash('sha256', material, 'buffer');
}

/** Hash key of the tenant itself: SHA-256 over the normalised customer id. */
export function tenantHashKey(customerId: string): Buffer {
  return hashKey(customerId);
}
