/**
 * The `error_code` of every error answer of the HTTP API: seed 000's codes, plus those a gateway in
 * front of Kafka needs (409, 413, 415, 503). Clients branch on these, so a code is never renamed; the Node
 * SDK keeps its own copy (it imports nothing from this repository), checked against this list by
 * test/unit/sdk-node-contract.spec.ts.
 */
export const API_ERROR_CODES = [
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

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
