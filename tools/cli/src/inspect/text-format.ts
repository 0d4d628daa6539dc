/** Rows as aligned columns, for the text (non --json) output. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>, indent = ''): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) => `${indent}${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')}`.trimEnd())
    .join('\n');
}

const UNITS: ReadonlyArray<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** retention.ms for people: 2592000000 -> 30d, -1 -> forever. */
export function formatRetention(ms: number | null): string {
  if (ms === null) return 'unknown';
  if (ms < 0) return 'forever';
  for (const [unit, size] of UNITS) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
