import type { FastifyRequest } from 'fastify';

export interface BrowserCredentials {
  customerId?: string;
  publishableKey?: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/**
 * Where a browser puts its credentials: the query string (`customer_id`, `key`) or the body
 * envelope (`customer_id`/`firm_slug`, `publishable_key`/`tracking_key`, seed 002's names).
 */
export function browserCredentials(request: FastifyRequest): BrowserCredentials {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body = request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
  return {
    customerId: text(query['customer_id']) ?? text(body['customer_id']) ?? text(body['firm_slug']),
    publishableKey: text(query['key']) ?? text(body['publishable_key']) ?? text(body['tracking_key']),
  };
}

/** Envelope fields, removed before the events themselves are validated. */
export const BROWSER_ENVELOPE_FIELDS = ['customer_id', 'firm_slug', 'publishable_key', 'tracking_key', 'tracking_key_id'] as const;
