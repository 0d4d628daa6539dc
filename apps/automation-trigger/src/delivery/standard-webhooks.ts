import { createHmac } from 'node:crypto';

/** Standard Webhooks (standardwebhooks.com) request headers. */
export const WEBHOOK_HEADERS = { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' } as const;

/**
 * Signs `<id>.<timestamp>.<body>` with HMAC-SHA256 under every secret (two while one rotates out),
 * as `v1,<base64>` entries separated by spaces, which receivers check with any Standard Webhooks library.
 */
export function signWebhook(id: string, timestampSeconds: number, body: string, secrets: readonly Buffer[]): Record<string, string> {
  const content = `${id}.${timestampSeconds}.${body}`;
  return {
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.timestamp]: String(timestampSeconds),
    [WEBHOOK_HEADERS.signature]: secrets.map((secret) => `v1,${createHmac('sha256', secret).update(content).digest('base64')}`).join(' '),
  };
}
