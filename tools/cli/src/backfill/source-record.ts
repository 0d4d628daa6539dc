/** What the gateway would have known about the request besides its body. */
export interface CandidateEvent {
  /** A track request body (the shape of POST /api/v1/track), still unvalidated. */
  body: unknown;
  /** Raw; the pipeline anonymises or hashes it exactly as the gateway does. */
  clientIp: string | null;
  userAgent: string | null;
  /**
   * What the event id is derived from when it is not the body. An access log's page view names its
   * session, which earlier lines decide; deriving the id from the log line's own fields keeps it the
   * same however the logs are split into files and runs.
   */
  identity?: unknown;
}

/** Why a line could not become an event: the rejects file's `code` and the summary's grouping. */
export type RejectCode =
  | 'malformed_line'
  | 'invalid_json'
  | 'malformed_csv'
  | 'missing_time'
  | 'invalid_event'
  | 'consent_denied'
  | 'consent_pending'
  | 'consent_missing'
  | 'do_not_track'
  | 'outside_geographic_restrictions';

/** Lines that are not events by design (assets, errors, headers): counted, never written as rejects. */
export type SkipReason = 'blank_line' | 'csv_header' | 'asset' | 'not_get' | 'unsuccessful_status' | 'not_a_page_request';

/** One input record (a line; a CSV record can span lines) and what it turned out to be. */
export type SourceRecord =
  | { kind: 'event'; line: number; raw: string; event: CandidateEvent }
  | { kind: 'reject'; line: number; raw: string; code: RejectCode; reason: string }
  | { kind: 'skip'; line: number; reason: SkipReason };

/** A physical line of an input file, numbered from 1. */
export interface NumberedLine {
  number: number;
  text: string;
}

/** Turns one file's lines into records; one per input format. */
export type RecordSource = (lines: AsyncIterable<NumberedLine>) => AsyncIterable<SourceRecord>;
