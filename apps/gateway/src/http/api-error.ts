import type { ApiErrorCode } from '@tracking/contracts';
import type { FieldError } from '@tracking/ingestion';

/** An answer the gateway gives on purpose: status, error code, a message saying what and where. */
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

  static invalid(details: FieldError[]): ApiError {
    const first = details[0];
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    return new ApiError(400, 'INVALID_REQUEST', `Invalid request: ${first?.field} ${first?.reason}${more}`, details);
  }
}
