import type { RejectCode, SkipReason } from './source-record';

/** What a backfill did; printed as text, or as this JSON with --json. */
export interface BackfillSummary {
  customer: string;
  dryRun: boolean;
  files: number;
  /** Input records read: lines, except that a CSV record spanning lines counts once. */
  lines: number;
  /** Passed validation, consent and privacy rules, first of their event id in this run. */
  accepted: number;
  /** Acknowledged by Kafka (acks=all); 0 on a dry run. */
  published: number;
  /** Accepted, but an earlier record of this run had the same event id: not published again. */
  duplicates: number;
  /** Accepted, but of a subject erased on privacy.erasures.v1: not published, not written anywhere. */
  erased: number;
  rejected: { total: number; byReason: Partial<Record<RejectCode, number>> };
  /** Not events by design: assets, failed or non-GET requests, headers, blank lines. */
  skipped: { total: number; byReason: Partial<Record<SkipReason, number>> };
  rejectsFile: string;
}

export function emptySummary(customer: string, dryRun: boolean, rejectsFile: string): BackfillSummary {
  return {
    customer,
    dryRun,
    files: 0,
    lines: 0,
    accepted: 0,
    published: 0,
    duplicates: 0,
    erased: 0,
    rejected: { total: 0, byReason: {} },
    skipped: { total: 0, byReason: {} },
    rejectsFile,
  };
}

function byReason(counts: Partial<Record<string, number>>): string {
  const parts = Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, count]) => `${reason} ${count}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

export function renderSummary(summary: BackfillSummary): string {
  const publishedLine = summary.dryRun
    ? `  would publish ${summary.accepted} (dry run: nothing was published)`
    : `  published     ${summary.published}`;
  return [
    `backfill for ${summary.customer}: ${summary.files} file(s), ${summary.lines} line(s)`,
    publishedLine,
    `  duplicates    ${summary.duplicates} (same event id earlier in this run)`,
    `  erased        ${summary.erased} (subjects erased on privacy.erasures.v1: left out)`,
    `  skipped       ${summary.skipped.total}${byReason(summary.skipped.byReason)}`,
    `  rejected      ${summary.rejected.total}${byReason(summary.rejected.byReason)}${summary.rejected.total > 0 ? ` -> ${summary.rejectsFile}` : ''}`,
  ].join('\n');
}
