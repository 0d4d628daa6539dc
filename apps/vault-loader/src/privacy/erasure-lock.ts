import type { PoolClient } from 'pg';
import { normaliseBusinessKeyPart } from '@tracking/contracts';

const lockKey = (customerId: string): string => `privacy-erasure:${normaliseBusinessKeyPart(customerId)}`;

/** One erasure of a tenant at a time across every loader instance: the second finds the first's work registered. */
export async function lockTenantErasures(client: PoolClient, customerId: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey(customerId)]);
}

/**
 * A load transaction holds these tenants' erasure locks shared (loads do not wait on each other):
 * an erasure that has not committed yet waits for the load and then finds its rows, and one that
 * committed before is seen by what the load reads after this.
 */
export async function holdTenantErasures(client: PoolClient, customerIds: readonly string[]): Promise<void> {
  if (customerIds.length === 0) return;
  await client.query('SELECT pg_advisory_xact_lock_shared(hashtext(k)) FROM unnest($1::text[]) AS k', [customerIds.map(lockKey)]);
}
