import { TrackingError, type FieldErrorDetail } from './tracking.errors';
import type { WireEvent } from './tracking-event';
import { isRetriableStatus, parseRetryAfter } from './retry.policy';

/** The part of a fetch Response the transport reads; Node's global fetch satisfies it. */
export interface FetchResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** The fetch the client calls. Node's global fetch fits; tests and proxies can pass their own. */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<FetchResponseLike>;

/** The gateway's answer to POST /api/v1/track (seed 000). */
export interface SingleAnswer {
  success: true;
  event_id: string | null;
  tracking_result?: { allowed: boolean; reason?: string };
}

/** The gateway's answer to POST /api/v1/track/bulk: refused and dropped events by their index. */
export interface BulkAnswer {
  success: true;
  events_processed: number;
  errors: Array<FieldErrorDetail & { index: number }>;
  dropped: Array<{ index: number; reason: string }>;
}

export type GatewayAnswer = { kind: 'single'; answer: SingleAnswer } | { kind: 'bulk'; answer: BulkAnswer };

export interface HttpTransportOptions {
  endpoint: string;
  customerId: string;
  token: string;
  timeoutMs: number;
  fetch: FetchLike;
  userAgent: string;
}

/** Seed 000's refusal body. */
interface ErrorBody {
  error_code?: unknown;
  error?: unknown;
  message?: unknown;
  details?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function fieldErrors(value: unknown): FieldErrorDetail[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((item) => ({ field: String(item['field']), reason: String(item['reason']) }));
}

/**
 * One HTTP exchange with the gateway, nothing more: no retries, no queue. A batch of one goes to
 * /api/v1/track, more to /api/v1/track/bulk. Answers other than 2xx, network failures and timeouts
 * become a TrackingError saying whether a retry can help.
 */
export class HttpTransport {
  private readonly baseUrl: string;

  constructor(private readonly options: HttpTransportOptions) {
    this.baseUrl = options.endpoint.replace(/\/+$/, '');
  }

  /** Sends the events; `signal` aborts it (close() gave up waiting). */
  async send(events: readonly WireEvent[], batchId: string, signal: AbortSignal): Promise<GatewayAnswer> {
    const single = events.length === 1;
    const url = `${this.baseUrl}/api/v1/track${single ? '' : '/bulk'}`;
    const body = JSON.stringify(single ? events[0] : { batch_id: batchId, events });
    // The request timeout and the close() abort cover the body as well as the headers: a gateway
    // that sends headers and then stalls must not hold the batch (or close({ timeoutMs })) for ever.
    const { response, text } = await this.exchange(url, body, signal);
    const parsed = parseJson(text);
    if (response.status < 200 || response.status >= 300) throw this.refusal(response, parsed);
    if (!isObject(parsed)) {
      // 2xx means the gateway has the events; only their individual outcomes are unknown.
      throw new TrackingError(`gateway answered ${response.status} without a JSON body`, { status: response.status, errorCode: 'UNEXPECTED_RESPONSE', retriable: false });
    }
    if (single) {
      const result = isObject(parsed['tracking_result']) ? parsed['tracking_result'] : undefined;
      return {
        kind: 'single',
        answer: {
          success: true,
          event_id: typeof parsed['event_id'] === 'string' ? parsed['event_id'] : null,
          tracking_result: result && { allowed: result['allowed'] !== false, ...(typeof result['reason'] === 'string' ? { reason: result['reason'] } : {}) },
        },
      };
    }
    const errors = Array.isArray(parsed['errors']) ? parsed['errors'].filter(isObject) : [];
    const dropped = Array.isArray(parsed['dropped']) ? parsed['dropped'].filter(isObject) : [];
    return {
      kind: 'bulk',
      answer: {
        success: true,
        events_processed: typeof parsed['events_processed'] === 'number' ? parsed['events_processed'] : 0,
        errors: errors.map((item) => ({ index: Number(item['index']), field: String(item['field']), reason: String(item['reason']) })),
        dropped: dropped.map((item) => ({ index: Number(item['index']), reason: String(item['reason']) })),
      },
    };
  }

  private async exchange(url: string, body: string, signal: AbortSignal): Promise<{ response: FetchResponseLike; text: string }> {
    // A controller of our own (not AbortSignal.timeout) so the timeout runs on the timers that the
    // caller controls and tells a timeout apart from close() aborting.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    timer.unref?.();
    const onAbort = (): void => controller.abort();
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    // Rejects when the controller aborts, so a body read that ignores the signal (a custom fetch)
    // still ends on time.
    let stopAborted: () => void = () => undefined;
    const aborted = new Promise<never>((_, reject) => {
      const listener = (): void => reject(new Error('This operation was aborted'));
      controller.signal.addEventListener('abort', listener, { once: true });
      stopAborted = () => controller.signal.removeEventListener('abort', listener);
    });
    aborted.catch(() => undefined);
    let response: FetchResponseLike;
    try {
      response = await Promise.race([this.options.fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Customer-ID': this.options.customerId,
          Authorization: `Bearer ${this.options.token}`,
          'User-Agent': this.options.userAgent,
        },
        body,
        signal: controller.signal,
      }), aborted]);
    } catch (error) {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      stopAborted();
      if (timedOut) {
        throw new TrackingError(`no answer from ${url} within ${this.options.timeoutMs} ms`, { status: null, errorCode: 'TIMEOUT', retriable: true, cause: error });
      }
      if (signal.aborted) throw new TrackingError('request aborted: the client was closed', { status: null, errorCode: 'CLIENT_CLOSED', retriable: true, cause: error });
      const reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
      throw new TrackingError(`request to ${url} failed: ${reason}`, { status: null, errorCode: 'NETWORK_ERROR', retriable: true, cause: error });
    }
    try {
      return { response, text: await Promise.race([response.text(), aborted]) };
    } catch (error) {
      if (timedOut) {
        throw new TrackingError(`answer from ${url} not read within ${this.options.timeoutMs} ms`, { status: response.status, errorCode: 'TIMEOUT', retriable: true, cause: error });
      }
      if (signal.aborted) throw new TrackingError('request aborted: the client was closed', { status: response.status, errorCode: 'CLIENT_CLOSED', retriable: true, cause: error });
      // The connection broke while the answer was arriving: whether the events got in is unknown.
      throw new TrackingError(`answer from ${url} cut off: ${(error as Error).message}`, { status: response.status, errorCode: 'NETWORK_ERROR', retriable: true, cause: error });
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      stopAborted();
    }
  }

  private refusal(response: FetchResponseLike, parsed: unknown): TrackingError {
    const body: ErrorBody = isObject(parsed) ? parsed : {};
    const status = response.status;
    const fallbackCode = status === 429 ? 'RATE_LIMITED' : status >= 500 ? 'INTERNAL_ERROR' : 'INVALID_REQUEST';
    const errorCode = typeof body.error_code === 'string' ? body.error_code : fallbackCode;
    const message = typeof body.error === 'string' ? body.error : typeof body.message === 'string' ? body.message : `HTTP ${status}`;
    return new TrackingError(`gateway refused the request: ${status} ${errorCode}: ${message}`, {
      status,
      errorCode,
      details: fieldErrors(body.details),
      retriable: isRetriableStatus(status),
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()) ?? null,
    });
  }
}
