import type { TrackingEvent } from '@tracking/contracts';

export type Severity = 'ERROR' | 'WARNING' | 'INFO';
export type ValidationStatus = 'VALID' | 'WARNING' | 'INVALID';

export interface QualityFinding {
  check: string;
  severity: Severity;
  message: string;
  /** Points off the quality score of 100. */
  penalty: number;
}

export interface QualityAssessment {
  status: ValidationStatus;
  /** 0 to 100. */
  score: number;
  findings: QualityFinding[];
}

const HOUR = 3_600_000;

/**
 * The staging layer's checks (seed 001: validation status and quality score). Pure: the same event
 * always gets the same assessment, so a replay stages identical rows. INVALID events stay in
 * staging and do not reach the business vault.
 */
export function assessQuality(event: TrackingEvent): QualityAssessment {
  const findings: QualityFinding[] = [];
  const find = (check: string, severity: Severity, penalty: number, message: string): void => {
    findings.push({ check, severity, penalty, message });
  };
  if (event.event_type === 'page_view' && !event.page_url) find('page_view_without_url', 'ERROR', 40, 'a page view must carry its page URL');
  if (!event.session_id) find('missing_session', 'WARNING', 10, 'no session id: the event cannot be attributed to a visit');
  if (!event.visitor_id) find('missing_visitor', 'INFO', 5, 'no visitor id');
  if (event.suspicious) find('suspicious_request', 'WARNING', 20, `the gateway scored the request ${event.security_score ?? '?'}: likely automated`);
  if (event.source === 'browser' && !event.user_agent) find('missing_user_agent', 'INFO', 5, 'browser event without a user agent');
  if (event.occurred_at - event.received_at > 5 * 60_000) find('occurred_in_future', 'WARNING', 10, 'occurred_at is after received_at even after clock correction');
  if (event.source !== 'backfill' && event.received_at - event.occurred_at > 24 * HOUR) {
    find('late_arrival', 'WARNING', 10, 'received more than a day after it occurred');
  }
  const score = Math.max(0, 100 - findings.reduce((sum, finding) => sum + finding.penalty, 0));
  const status: ValidationStatus = findings.some((finding) => finding.severity === 'ERROR')
    ? 'INVALID'
    : findings.some((finding) => finding.severity === 'WARNING')
      ? 'WARNING'
      : 'VALID';
  return { status, score, findings };
}
