export interface SecurityAssessment {
  /** 100 for an ordinary browser request, lower the more it looks automated. */
  score: number;
  suspicious: boolean;
  reasons: string[];
}

const AUTOMATION = /bot|crawl|spider|slurp|headless|phantomjs|selenium|puppeteer|playwright|python-requests|python-urllib|curl\/|wget|httpclient|okhttp|go-http-client|java\/|libwww|scrapy|axios\//i;

/**
 * A cheap first assessment from what every request carries. Server-side sources legitimately send no
 * browser user agent, so only the browser path is penalised for lacking one.
 */
export function assessRequest(input: { userAgent: string | null; fromBrowser: boolean; clockSkewMs: number | null }): SecurityAssessment {
  const reasons: string[] = [];
  let score = 100;
  if (input.userAgent && AUTOMATION.test(input.userAgent)) {
    score -= 50;
    reasons.push('automation user agent');
  }
  if (input.fromBrowser && !input.userAgent) {
    score -= 30;
    reasons.push('browser request without user agent');
  }
  if (input.clockSkewMs !== null && Math.abs(input.clockSkewMs) > 24 * 3_600_000) {
    score -= 15;
    reasons.push('client clock off by more than a day');
  }
  return { score: Math.max(score, 0), suspicious: score < 60, reasons };
}
