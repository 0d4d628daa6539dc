/**
 * RFC 4180 CSV, read line by line: fields separated by commas, optionally in double quotes; inside
 * quotes a comma or line break is data and `""` is one quote. Strict as the RFC (and csv-parse's
 * defaults) are: a quote inside an unquoted field, or text after a closing quote, makes the record
 * invalid rather than guessed at, because a guess silently shifts every later column.
 */
export type CsvParse = { status: 'complete'; fields: string[] } | { status: 'open' } | { status: 'invalid'; reason: string };

/** Parses one record's text (its lines joined with `\n`); `open` when a quoted field has not ended yet. */
export function parseCsvRecord(text: string): CsvParse {
  const fields: string[] = [];
  let index = 0;
  for (;;) {
    if (text[index] === '"') {
      let value = '';
      index += 1;
      for (;;) {
        const close = text.indexOf('"', index);
        if (close < 0) return { status: 'open' };
        value += text.slice(index, close);
        if (text[close + 1] === '"') {
          value += '"';
          index = close + 2;
          continue;
        }
        index = close + 1;
        break;
      }
      fields.push(value);
      if (index === text.length) return { status: 'complete', fields };
      if (text[index] !== ',') return { status: 'invalid', reason: `field ${fields.length} has text after its closing quote` };
      index += 1;
    } else {
      const comma = text.indexOf(',', index);
      const value = text.slice(index, comma < 0 ? text.length : comma);
      if (value.includes('"')) return { status: 'invalid', reason: `field ${fields.length + 1} has a quote but does not start with one` };
      fields.push(value);
      if (comma < 0) return { status: 'complete', fields };
      index = comma + 1;
    }
  }
}

/** Far beyond any event (the gateway takes bodies of 64 KB); past it a record is a quote that never closes. */
const MAX_RECORD_LINES = 1000;
const MAX_RECORD_CHARS = 1024 * 1024;

export type CsvRecord =
  | { ok: true; fields: string[]; line: number; raw: string }
  | { ok: false; reason: string; line: number; raw: string };

/**
 * Collects physical lines into records: a record whose quoted field holds a line break continues on
 * the next line. `line` is the record's first line, the one an editor jumps to.
 */
export class CsvRecordAssembler {
  private pending: { line: number; text: string } | undefined;

  /** Inside a quoted field that spans lines: the next line, even a blank one, is part of it. */
  get open(): boolean {
    return this.pending !== undefined;
  }

  /** The record this line completes, if it completes one. */
  push(text: string, lineNumber: number): CsvRecord | undefined {
    const record = this.pending ? { line: this.pending.line, text: `${this.pending.text}\n${text}` } : { line: lineNumber, text };
    const parsed = parseCsvRecord(record.text);
    if (parsed.status === 'open') {
      // One stray quote would otherwise swallow the rest of the file into one record, re-read at every line.
      if (lineNumber - record.line >= MAX_RECORD_LINES || record.text.length > MAX_RECORD_CHARS) {
        this.pending = undefined;
        return { ok: false, reason: `a quoted field runs over more than ${MAX_RECORD_LINES} lines or ${MAX_RECORD_CHARS} characters`, line: record.line, raw: record.text };
      }
      this.pending = record;
      return undefined;
    }
    this.pending = undefined;
    return parsed.status === 'complete'
      ? { ok: true, fields: parsed.fields, line: record.line, raw: record.text }
      : { ok: false, reason: parsed.reason, line: record.line, raw: record.text };
  }

  /** At the end of the file: a record still open has a quote that never closes. */
  end(): CsvRecord | undefined {
    const open = this.pending;
    this.pending = undefined;
    return open && { ok: false, reason: 'a quoted field is not closed before the end of the file', line: open.line, raw: open.text };
  }
}
