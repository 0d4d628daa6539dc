import { getJson, sendJson } from '../api';

/** The Keys page's calls: /console/api/keys (list with `read`; create, rotate, revoke with `admin`). */

export type KeyScope = 'ingest' | 'read' | 'admin';
export const KEY_SCOPES: readonly KeyScope[] = ['ingest', 'read', 'admin'];
export const DEFAULT_KEY_SCOPES: readonly KeyScope[] = ['ingest', 'read'];

export interface TrackingKey {
  key_id: string;
  customer_id: string;
  publishable_key: string;
  description: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  rotated_from: string | null;
  rotated_at: string | null;
  last_used_at: string | null;
  scopes: KeyScope[];
  status: 'active' | 'expiring' | 'expired' | 'revoked';
}

/** A key as created or rotated: the only answer that ever holds its secret. */
export interface IssuedKey extends TrackingKey {
  secret: string;
}

export interface BrowserSetup {
  publishable_keys: string[];
  allowed_origins: string[];
  script: { url: string; integrity: string } | null;
}

export interface KeyList {
  customer_id: string;
  keys: TrackingKey[];
  browser: BrowserSetup;
}

export function listKeys(customerId?: string): Promise<KeyList> {
  return getJson<KeyList>('/keys', customerId);
}

export function createKey(input: { description?: string; scopes: KeyScope[] }, customerId?: string): Promise<IssuedKey> {
  return sendJson<IssuedKey>('POST', '/keys', input, customerId);
}

export function rotateKey(keyId: string, overlapSeconds: number, customerId?: string): Promise<{ key: IssuedKey; previous: TrackingKey }> {
  return sendJson('POST', `/keys/${encodeURIComponent(keyId)}/rotate`, { overlap_seconds: overlapSeconds }, customerId);
}

export function revokeKey(keyId: string, customerId?: string): Promise<TrackingKey> {
  return sendJson<TrackingKey>('DELETE', `/keys/${encodeURIComponent(keyId)}`, undefined, customerId);
}
