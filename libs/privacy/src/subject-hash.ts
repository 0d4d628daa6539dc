import { hashKey, normaliseBusinessKeyPart } from '@tracking/contracts';

/**
 * Lowercase hex of hashKey(customer, id): how an erasure request names a visitor or user id without
 * holding it, the same hash the vault's privacy.erasures table stores as subject_hk.
 */
export function subjectHash(customerId: string, id: string): string {
  return hashKey(customerId, id).toString('hex');
}

/** The customer as every hash of it sees it (trimmed, upper-cased), so lookups match however the id was cased. */
export function customerKey(customerId: string): string {
  return normaliseBusinessKeyPart(customerId);
}
