/** One line of the benchmark table: a figure, and where there is one, the baseline measured in the same run. */
export interface BenchRow {
  /** The table's first column, e.g. "gateway, bulk (200 events/request)". */
  what: string;
  figure: Figure;
  baseline?: Figure & { what: string };
  /** figure / baseline, or for "lower is better" targets the figure itself. */
  ratio?: number;
  target?: Target;
  /** Extra figures of the row (p50/p99, rows/s, MB/s), shown after the main one. */
  details?: Record<string, string>;
}

export interface Figure {
  value: number;
  unit: string;
}

export type Target =
  /** The ratio figure/baseline must be at least this. */
  | { kind: 'ratio-at-least'; value: number }
  /** The figure itself must be at most this (e.g. a p99 in ms). */
  | { kind: 'at-most'; value: number; unit: string }
  | { kind: 'report' };

export function ratioRow(what: string, figure: Figure, baseline: Figure & { what: string }, target: Target, details?: Record<string, string>): BenchRow {
  return { what, figure, baseline, ratio: baseline.value > 0 ? figure.value / baseline.value : 0, target, details };
}

export function met(row: BenchRow): boolean | undefined {
  const target = row.target;
  if (!target || target.kind === 'report') return undefined;
  if (target.kind === 'ratio-at-least') return (row.ratio ?? 0) >= target.value;
  return row.figure.value <= target.value;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatTarget(target: Target | undefined): string {
  if (!target || target.kind === 'report') return 'report';
  if (target.kind === 'ratio-at-least') return `≥ ${Math.round(target.value * 100)}%`;
  return `≤ ${formatNumber(target.value)} ${target.unit}`;
}

/** The Markdown table the README shows. */
export function markdownTable(rows: readonly BenchRow[]): string {
  const lines = ['| what | figure | baseline in the same run | ratio | target | met |', '|---|---|---|---|---|---|'];
  for (const row of rows) {
    const details = row.details ? Object.entries(row.details).map(([key, value]) => `${key} ${value}`).join(', ') : '';
    const figure = `${formatNumber(row.figure.value)} ${row.figure.unit}${details ? ` (${details})` : ''}`;
    const baseline = row.baseline ? `${formatNumber(row.baseline.value)} ${row.baseline.unit}: ${row.baseline.what}` : 'n/a';
    const ratio = row.ratio === undefined ? '' : `${Math.round(row.ratio * 100)}%`;
    const verdict = met(row);
    lines.push(`| ${row.what} | ${figure} | ${baseline} | ${ratio} | ${formatTarget(row.target)} | ${verdict === undefined ? '' : verdict ? 'yes' : '**no**'} |`);
  }
  return lines.join('\n');
}
