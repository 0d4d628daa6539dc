import type { Row } from './vault-model';

// COPY's text format: these four characters and the backslash itself are escaped, NULL is \N.
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const NEEDS_ESCAPE = /[\\\n\r\t]/g;

/**
 * Hash keys are shared Buffers: an event's own key and its tenant's appear in about ten rows each, so
 * each is written out once a batch.
 */
type HexCache = Map<Buffer, string>;

function bytea(value: Buffer, cache: HexCache): string {
  let text = cache.get(value);
  if (text === undefined) {
    text = `\\\\x${value.toString('hex')}`;
    cache.set(value, text);
  }
  return text;
}

function field(value: unknown, cache: HexCache): string {
  if (value === null || value === undefined) return '\\N';
  if (Buffer.isBuffer(value)) return bytea(value, cache);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value).replace(NEEDS_ESCAPE, (c) => ESCAPES[c] as string);
  if (typeof value === 'string') return value.replace(NEEDS_ESCAPE, (c) => ESCAPES[c] as string);
  return String(value);
}

/**
 * Rows of the batch as the body of the staging table's COPY (text format): per row its table, its
 * 1-based place among that table's rows (the `ord` the load statements order by), then its values,
 * padded to the staging table's `width` value columns.
 * COPY sends the values as they are; bound as arrays (what the loader did before) they were first
 * written as array literals and parsed again, which cost more than the inserts.
 */
export function copyText(tables: ReadonlyArray<{ table: string; columns: readonly string[]; rows: readonly Row[] }>, width: number): Buffer {
  const lines: string[] = [];
  const cache: HexCache = new Map();
  for (const { table, columns, rows } of tables) {
    // COPY wants every column of the staging table on every line: those this table lacks are NULL.
    const padding = '\t\\N'.repeat(width - columns.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      let line = `${table}\t${i + 1}`;
      for (const column of columns) line += `\t${field(row[column], cache)}`;
      lines.push(`${line}${padding}\n`);
    }
  }
  return Buffer.from(lines.join(''), 'utf8');
}
