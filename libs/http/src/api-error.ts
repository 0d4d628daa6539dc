import { HttpException } from '@nestjs/common';
import type { ApiErrorCode } from '@tracking/contracts';
import type { FieldError } from '@tracking/ingestion';

export type { ApiErrorCode };

/** An answer a service gives on purpose: status, error code, a message saying what and where. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: FieldError[],
    readonly headers: Record<string, string> = {},
    /** Fields a response shape adds to the error body (seed 000's rate-limited answer has tracking_result). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** 400 naming the first bad field in the message and every one in `details`. */
  static invalid(details: FieldError[], subject = 'request'): ApiError {
    const first = details[0];
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    return new ApiError(400, 'INVALID_REQUEST', `Invalid ${subject}: ${first?.field} ${first?.reason}${more}`, details);
  }

  /** A fault of ours: the answer says nothing of it beyond this; the log has the rest. */
  static internal(): ApiError {
    return new ApiError(500, 'INTERNAL_ERROR', 'Internal error; the request was not processed');
  }
}

const CODE_BY_STATUS: Record<number, ApiErrorCode> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'INVALID_REQUEST',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Fastify's own refusals (bad JSON, size, media type) carry a status and a FST_ code. */
function fastifyStatus(error: unknown): number | undefined {
  const candidate = error as { statusCode?: unknown; code?: unknown };
  return typeof candidate?.statusCode === 'number' && typeof candidate.code === 'string' && candidate.code.startsWith('FST_')
    ? candidate.statusCode
    : undefined;
}

/**
 * The answer for an error: an ApiError as it is; a refusal of Nest's or Fastify's (no route, bad
 * JSON, body too large) in seed 000's terms; undefined for anything else, which is a fault of ours.
 */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  const status = error instanceof HttpException ? error.getStatus() : fastifyStatus(error);
  if (status === undefined || status >= 500) return undefined;
  const code = CODE_BY_STATUS[status] ?? 'INVALID_REQUEST';
  const message =
    status === 413
      ? 'Request body is too large'
      : status === 415
        ? 'Unsupported Content-Type: send application/json'
        : status === 404
          ? 'No such endpoint'
          : (error as Error).message.replace(/^FST_\w+: /, '');
  return new ApiError(status, code, message);
}
