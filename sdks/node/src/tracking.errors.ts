/**
 * Seed 000's error codes and those the gateway adds (413/415/503). The SDK imports nothing from the
 * platform's repository, so this is a copy of the gateway's list (API_ERROR_CODES in libs/contracts);
 * test/unit/sdk-node-contract.spec.ts fails when the two differ.
 */
export const GATEWAY_ERROR_CODES = [
  'INVALID_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'CUSTOMER_NOT_FOUND',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;

export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

/** Failures that happen on this side, with no answer from the gateway. */
export type ClientErrorCode =
  /** No answer: connection refused or reset, DNS, TLS. The events may or may not have arrived. */
  | 'NETWORK_ERROR'
  /** No answer within timeoutMs. The events may or may not have arrived. */
  | 'TIMEOUT'
  /** The client was closed: a new event, or one still pending when close() gave up waiting. */
  | 'CLIENT_CLOSED'
  /** maxQueueSize events are already waiting (the gateway is slow or away). */
  | 'QUEUE_FULL'
  /** The event could never be sent (no event_type, not serialisable). */
  | 'INVALID_EVENT'
  /** A 2xx answer without the body the gateway gives. */
  | 'UNEXPECTED_RESPONSE';

// `string & {}` keeps the known codes in editors' completion while allowing codes added later.
export type TrackingErrorCode = GatewayErrorCode | ClientErrorCode | (string & {});

/** One bad field, as the gateway names it (`events[i].` prefixed inside a bulk). */
export interface FieldErrorDetail {
  field: string;
  reason: string;
}

export interface TrackingErrorInit {
  /** HTTP status that stands for this failure; null when no answer came. */
  status: number | null;
  errorCode: TrackingErrorCode;
  details?: readonly FieldErrorDetail[];
  /** Whether sending the same events again could succeed. */
  retriable: boolean;
  /** The gateway's Retry-After, in milliseconds, when it gave one. */
  retryAfterMs?: number | null;
  /** The events this failure belongs to. */
  eventIds?: readonly string[];
  /** Position of the refused event in the request that carried it (for an event refused inside a bulk). */
  index?: number | null;
  /** Attempts made, the first included. */
  attempts?: number;
  cause?: unknown;
}

/**
 * Every failure the client reports: to the promise of each event it concerns, and to `onError`.
 * The gateway's answer (status, error_code, details) is kept as it came; `cause` keeps the
 * underlying network error.
 */
export class TrackingError extends Error {
  override readonly name: string = 'TrackingError';
  readonly status: number | null;
  readonly errorCode: TrackingErrorCode;
  readonly details: readonly FieldErrorDetail[];
  readonly retriable: boolean;
  readonly retryAfterMs: number | null;
  readonly eventIds: readonly string[];
  readonly index: number | null;
  readonly attempts: number;

  constructor(message: string, init: TrackingErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.details = init.details ?? [];
    this.retriable = init.retriable;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.eventIds = init.eventIds ?? [];
    this.index = init.index ?? null;
    this.attempts = init.attempts ?? 0;
  }

  /** The same failure, attributed to particular events after the fact (the transport does not know them). */
  withEvents(eventIds: readonly string[], attempts: number, message = this.message): TrackingError {
    const copy = new TrackingError(message, { ...this.snapshot(), eventIds, attempts });
    copy.stack = this.stack;
    return copy;
  }

  private snapshot(): TrackingErrorInit {
    return {
      status: this.status,
      errorCode: this.errorCode,
      details: this.details,
      retriable: this.retriable,
      retryAfterMs: this.retryAfterMs,
      index: this.index,
      cause: this.cause,
    };
  }
}

/** How one event of a trackBulk() call ended. */
export interface BulkEventOutcome {
  eventId: string;
  status: 'accepted' | 'dropped' | 'failed';
  reason?: string;
}

/** One refused event of a trackBulk() call: its position in the list you passed, its id and why. */
export interface BulkFailure {
  index: number;
  eventId: string;
  error: TrackingError;
}

/**
 * trackBulk() rejects with this when any of its events was refused; `failures` says which, and
 * `results` holds the outcome of the others (accepted or dropped), in the order given.
 */
export class TrackingBulkError extends TrackingError {
  override readonly name: string = 'TrackingBulkError';

  constructor(
    readonly failures: readonly BulkFailure[],
    readonly results: readonly BulkEventOutcome[],
  ) {
    const first = failures[0];
    super(`${failures.length} of ${results.length} events refused; first: events[${first.index}] ${first.error.message}`, {
      status: first.error.status,
      errorCode: first.error.errorCode,
      details: failures.flatMap((failure) => failure.error.details),
      retriable: failures.every((failure) => failure.error.retriable),
      eventIds: failures.map((failure) => failure.eventId),
      index: first.index,
      attempts: first.error.attempts,
      cause: first.error,
    });
  }
}
