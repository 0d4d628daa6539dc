/** Mirrors schemas/avro/erasure-request.v1.avsc: one erasure request, only hashes of the subjects' ids. */
export interface ErasureRequestRecord {
  request_id: string;
  customer_id: string;
  requested_at: number;
  requested_by: string;
  /** Lowercase hex of hashKey(customer_id, visitor_id), each linked visitor id. */
  visitor_hks: string[];
  /** Lowercase hex of hashKey(customer_id, user_id), each linked user id. */
  user_hks: string[];
}

export const ERASURE_REQUEST_SCHEMA_FILE = 'erasure-request.v1.avsc';

/** The places that act on an erasure and report back. */
export const ERASURE_PLACES = ['vault', 'exporter', 'automation-trigger'] as const;
export type ErasurePlace = (typeof ERASURE_PLACES)[number];

export type ErasureReportState = 'done' | 'failed';

/** Mirrors schemas/avro/erasure-report.v1.avsc: what one place did with one request. */
export interface ErasureReport {
  request_id: string;
  customer_id: string;
  place: ErasurePlace;
  instance: string;
  state: ErasureReportState;
  found: number;
  removed: number;
  finished_at: number;
  detail: string | null;
}

export const ERASURE_REPORT_SCHEMA_FILE = 'erasure-report.v1.avsc';

/** Key of a report on privacy.erasure-reports.v1: one per request and place, the latest wins. */
export function erasureReportKey(requestId: string, place: string): string {
  return `${requestId}/${place}`;
}
