import type { FieldError } from '@tracking/ingestion';
import type { ApiError, ApiErrorCode } from './api-error';

/** Seed 000's error response, with the code beside the message and the bad fields in `details`. */
export interface ErrorEnvelope {
  success: false;
  error_code: ApiErrorCode;
  error: string;
  details?: FieldError[];
  /** The customer the request named or authenticated as; null when none. */
  customer_id: string | null;
  timestamp: string;
  /** Whether the answer's audit record was acknowledged; false where nothing is audited. */
  audit_logged: boolean;
  [extra: string]: unknown;
}

export interface EnvelopeContext {
  customerId: string | null;
  auditLogged: boolean;
}

/** The body of every error answer of every service. */
export function errorEnvelope(
  error: Pick<ApiError, 'code' | 'message'> & Partial<Pick<ApiError, 'details' | 'extra'>>,
  context: EnvelopeContext,
): ErrorEnvelope {
  return {
    success: false,
    error_code: error.code,
    error: error.message,
    ...error.extra,
    ...(error.details ? { details: error.details } : {}),
    customer_id: context.customerId,
    timestamp: new Date().toISOString(),
    audit_logged: context.auditLogged,
  };
}
