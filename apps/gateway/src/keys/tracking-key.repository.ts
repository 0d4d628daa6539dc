import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { TOKEN_SCOPES, type TokenScope } from '@tracking/customers';
import type { TrackingKey } from './tracking-key';

interface KeyRow {
  key_id: string;
  customer_id: string;
  publishable_key: string;
  secret_sha256: Buffer;
  description: string | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  rotated_from: string | null;
  rotated_at: Date | null;
  last_used_at: Date | null;
  scopes: string[];
}

const toKey = (row: KeyRow): TrackingKey => ({
  keyId: row.key_id,
  customerId: row.customer_id,
  publishableKey: row.publishable_key,
  secretSha256: row.secret_sha256,
  description: row.description,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  rotatedFrom: row.rotated_from,
  rotatedAt: row.rotated_at,
  lastUsedAt: row.last_used_at,
  // The table's CHECK admits only known scopes; the filter keeps the type honest.
  scopes: row.scopes.filter((scope): scope is TokenScope => (TOKEN_SCOPES as readonly string[]).includes(scope)),
});

export interface NewKey {
  keyId: string;
  customerId: string;
  publishableKey: string;
  secretSha256: Buffer;
  description: string | null;
  rotatedFrom: string | null;
  scopes: readonly TokenScope[];
}

/** SQL of gateway.tracking_keys; every key change is written with its audit row in one transaction. */
@Injectable()
export class TrackingKeyRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  /** Keys that may still authenticate: not revoked, not expired. */
  async listActive(): Promise<TrackingKey[]> {
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT * FROM gateway.tracking_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    );
    return rows.map(toKey);
  }

  async listForCustomer(customerId: string): Promise<TrackingKey[]> {
    const { rows } = await this.pool.query<KeyRow>(`SELECT * FROM gateway.tracking_keys WHERE customer_id = $1 ORDER BY created_at, key_id`, [
      customerId,
    ]);
    return rows.map(toKey);
  }

  /** The key, only when it belongs to `owner` if one is given (a customer's own routes never see another's keys). */
  async find(keyId: string, owner?: string): Promise<TrackingKey | undefined> {
    const { rows } = await this.pool.query<KeyRow>(`SELECT * FROM gateway.tracking_keys WHERE key_id = $1 AND ($2::text IS NULL OR customer_id = $2)`, [
      keyId,
      owner ?? null,
    ]);
    return rows[0] && toKey(rows[0]);
  }

  async create(key: NewKey): Promise<TrackingKey> {
    return inTransaction(this.pool, async (client) => {
      const created = await this.insert(client, key);
      await this.audit(client, created, 'created', { scopes: created.scopes });
      return created;
    });
  }

  /**
   * The new key and the old key's expiry in one transaction: there is never a moment without a valid
   * key. The replacement's customer is the only one whose key is touched (the UPDATE says so too,
   * not only the caller's earlier look-up).
   */
  async rotate(oldKeyId: string, replacement: NewKey, overlapSeconds: number): Promise<{ created: TrackingKey; previous: TrackingKey }> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<KeyRow>(
        `UPDATE gateway.tracking_keys
            SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + make_interval(secs => $2)),
                rotated_at = now()
          WHERE key_id = $1 AND customer_id = $3 AND revoked_at IS NULL
          RETURNING *`,
        [oldKeyId, overlapSeconds, replacement.customerId],
      );
      if (!rows[0]) throw new Error(`key ${oldKeyId} cannot be rotated`);
      const previous = toKey(rows[0]);
      const created = await this.insert(client, replacement);
      await this.audit(client, created, 'rotated', { replaces: oldKeyId, overlap_seconds: overlapSeconds });
      return { created, previous };
    });
  }

  /** Revokes the key (only `owner`'s when one is given); undefined when there is no such key. */
  async revoke(keyId: string, owner?: string): Promise<TrackingKey | undefined> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<KeyRow>(
        `UPDATE gateway.tracking_keys SET revoked_at = COALESCE(revoked_at, now())
          WHERE key_id = $1 AND ($2::text IS NULL OR customer_id = $2)
          RETURNING *`,
        [keyId, owner ?? null],
      );
      if (!rows[0]) return undefined;
      const revoked = toKey(rows[0]);
      await this.audit(client, revoked, 'revoked', {});
      return revoked;
    });
  }

  /** Batched: usage is recorded in memory and written every few seconds, never on the request path. */
  async touch(lastUsed: ReadonlyMap<string, Date>): Promise<void> {
    if (lastUsed.size === 0) return;
    await this.pool.query(
      `UPDATE gateway.tracking_keys AS k
          SET last_used_at = GREATEST(COALESCE(k.last_used_at, u.used_at), u.used_at)
         FROM unnest($1::text[], $2::timestamptz[]) AS u(key_id, used_at)
        WHERE k.key_id = u.key_id`,
      [[...lastUsed.keys()], [...lastUsed.values()]],
    );
  }

  private async insert(client: PoolClient, key: NewKey): Promise<TrackingKey> {
    const { rows } = await client.query<KeyRow>(
      `INSERT INTO gateway.tracking_keys (key_id, customer_id, publishable_key, secret_sha256, description, rotated_from, scopes)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [key.keyId, key.customerId, key.publishableKey, key.secretSha256, key.description, key.rotatedFrom, [...key.scopes]],
    );
    return toKey(rows[0]);
  }

  private async audit(client: PoolClient, key: TrackingKey, action: 'created' | 'rotated' | 'revoked', detail: object): Promise<void> {
    await client.query(`INSERT INTO gateway.tracking_key_audit (key_id, customer_id, action, detail) VALUES ($1, $2, $3, $4)`, [
      key.keyId,
      key.customerId,
      action,
      JSON.stringify(detail),
    ]);
  }
}
