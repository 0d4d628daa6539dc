import type { Row } from './vault-model';

// COPY's text format: these four characters and the backslash itself are escaped, NULL is \N.
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const NEEDS_ESCAPE = /[\\\n\r\t]/g;

function field(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value).replace(NEEDS_ESCAPE, (c) => ESCAPES[c] as string);
  if (typeof value === 'string') return value.replace(NEEDS_ESCAPE, (c) => ESCAPES[c] as string);
  return String(value);
}

/**
 * Rows as the body of `COPY ... FROM STDIN` (text format), each followed by its 1-based position in
 * the batch (the `ord` column the load statements order by). COPY sends the values as they are; bound
 * as arrays (what the loader did before) they were first written as array literals and parsed again,
 * which cost more than the inserts.
 */
export function copyText(columns: readonly string[], rows: readonly Row[]): Buffer {
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Row;
    let line = '';
    for (const column of columns) line += `${field(row[column])}\t`;
    lines[i] = `${line}${i + 1}\n`;
  }
  return Buffer.from(lines.join(''), 'utf8');
}
