import type { AutomationTrigger } from '@tracking/contracts';
import { parseRetryAfter } from './retry-schedule';
import { signWebhook } from './standard-webhooks';

/** What one POST to a receiver came to. */
export interface AttemptResult {
  /** delivered: 2xx. retry: worth trying again (5xx, 408, 425, 429, timeout, connection error). refused: any other answer. */
  verdict: 'delivered' | 'retry' | 'refused';
  statusCode: number | null;
  error: string | null;
  retryAfterMs?: number;
  durationMs: number;
}

const RETRYABLE_STATUS = new Set([408, 425, 429]);

export function verdictOf(status: number): AttemptResult['verdict'] {
  if (status >= 200 && status < 300) return 'delivered';
  return status >= 500 || RETRYABLE_STATUS.has(status) ? 'retry' : 'refused';
}

/**
 * The webhook body, Standard Webhooks' recommended envelope. It depends on the trigger alone, so
 * every attempt (and a redelivery after a crash) sends the same bytes under the same webhook-id.
 */
export function webhookBody(trigger: AutomationTrigger): string {
  return JSON.stringify({
    type: trigger.trigger_type,
    timestamp: new Date(trigger.occurred_at).toISOString(),
    data: { ...trigger, occurred_at: new Date(trigger.occurred_at).toISOString(), properties: JSON.parse(trigger.properties) as unknown },
  });
}

/**
 * POSTs a trigger, signed, with `webhook-id` = the idempotency key so the receiver can drop a repeat.
 * Redirects are not followed (a signed body must not land somewhere the customer did not name).
 */
export async function sendWebhook(url: string, trigger: AutomationTrigger, secrets: readonly Buffer[], timeoutMs: number): Promise<AttemptResult> {
  const body = webhookBody(trigger);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'tracking-platform-automation-trigger',
    ...signWebhook(trigger.idempotency_key, Math.floor(Date.now() / 1000), body, secrets),
  };
  const started = performance.now();
  try {
    const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    // The answer's body is of no use; cancelling it frees the connection.
    await response.body?.cancel().catch(() => undefined);
    const verdict = verdictOf(response.status);
    return {
      verdict,
      statusCode: response.status,
      error: verdict === 'delivered' ? null : `HTTP ${response.status}`,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
      durationMs: performance.now() - started,
    };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = timedOut ? `timed out after ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { verdict: 'retry', statusCode: null, error: reason, durationMs: performance.now() - started };
  }
}
