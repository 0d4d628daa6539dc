import { createHash, timingSafeEqual } from 'node:crypto';
import type { CustomerConfig } from '@tracking/customers';

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Compares the token's SHA-256 with each of the customer's token hashes in constant time, and
 * checks all of them, so the answer time says nothing about which (if any) matched.
 */
export function matchesCustomerToken(customer: CustomerConfig, tokenHash: Buffer): string | undefined {
  let matched: string | undefined;
  for (const entry of customer.tracking.apiTokens) {
    if (timingSafeEqual(entry.sha256, tokenHash) && matched === undefined) matched = entry.id;
  }
  return matched;
}

const BEARER = /^Bearer ([\x21-\x7e]{16,512})$/;

export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header.trim())?.[1];
}
