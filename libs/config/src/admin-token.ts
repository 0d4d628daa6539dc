import { createHash, timingSafeEqual } from 'node:crypto';
import type { EnvReader } from './env-reader';

/**
 * The operators' token (TRACKING_ADMIN_TOKEN) that guards every service's admin endpoints, kept
 * only as its SHA-256; undefined (admin endpoints disabled) when unset.
 */
export function readAdminTokenSha256(env: EnvReader): Buffer | undefined {
  const token = env.optionalString('TRACKING_ADMIN_TOKEN');
  if (token !== undefined && token.length < 24) env.problem('TRACKING_ADMIN_TOKEN must be at least 24 characters');
  return token ? createHash('sha256').update(token, 'utf8').digest() : undefined;
}

export type AdminTokenCheck = 'ok' | 'disabled' | 'missing' | 'invalid';

/** Checks an `Authorization: Bearer <token>` header against the admin token's hash, in constant time. */
export function checkAdminToken(expectedSha256: Buffer | undefined, authorization: string | string[] | undefined): AdminTokenCheck {
  if (!expectedSha256) return 'disabled';
  const token = typeof authorization === 'string' ? /^Bearer (\S+)$/.exec(authorization.trim())?.[1] : undefined;
  if (!token) return 'missing';
  return timingSafeEqual(createHash('sha256').update(token, 'utf8').digest(), expectedSha256) ? 'ok' : 'invalid';
}

/** Another service's admin API as a service calls it: its URL with the operators' token. */
export interface ServiceAdmin {
  url: string;
  token: string;
}

/**
 * Another service's admin API: the URL in `variable` with the operators' token
 * (TRACKING_ADMIN_TOKEN); undefined unless both are set.
 */
export function readServiceAdmin(env: EnvReader, variable: string): ServiceAdmin | undefined {
  const url = env.optionalUrl(variable, ['http:', 'https:']);
  const token = env.optionalString('TRACKING_ADMIN_TOKEN');
  return url && token ? { url: url.replace(/\/+$/, ''), token } : undefined;
}

/**
 * The exporter's admin API (EXPORTER_URL): the gateway asks it to flush (track/process), the vault
 * loader for a subject's exported records (privacy access).
 */
export function readExporterAdmin(env: EnvReader): ServiceAdmin | undefined {
  return readServiceAdmin(env, 'EXPORTER_URL');
}
