import type { AccessLogMapper } from './access-log.mapper';
import { parseCombinedLogLine } from './combined-log.parser';
import { CsvRecordAssembler, type CsvRecord } from './csv-record.assembler';
import { csvRowToTrackRequest, readCsvHeader } from './csv-row.mapper';
import type { NumberedLine, RecordSource, SourceRecord } from './source-record';

/** JSON Lines: one track request body per line, exactly what POST /api/v1/track takes. */
export const jsonLinesSource: RecordSource = async function* (lines) {
  for await (const { number, text } of lines) {
    if (text.trim() === '') {
      yield { kind: 'skip', line: number, reason: 'blank_line' };
      continue;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      yield { kind: 'reject', line: number, raw: text, code: 'invalid_json', reason: (error as Error).message };
      continue;
    }
    yield { kind: 'event', line: number, raw: text, event: { body, clientIp: null, userAgent: null } };
  }
};

/** CSV with a header row naming the track request fields; other columns become event_data. */
export const csvSource: RecordSource = async function* (lines) {
  const assembler = new CsvRecordAssembler();
  let columns: string[] | undefined;
  function* toRecords(record: CsvRecord | undefined): Generator<SourceRecord> {
    if (!record) return;
    if (!record.ok) {
      yield { kind: 'reject', line: record.line, raw: record.raw, code: 'malformed_csv', reason: record.reason };
      return;
    }
    if (columns === undefined) {
      const header = readCsvHeader(record.fields);
      // Without a usable header no row of the file can be read: fail, naming the file, rather than reject every row.
      if (!header.ok) throw new CsvHeaderError(header.reason);
      columns = header.columns;
      yield { kind: 'skip', line: record.line, reason: 'csv_header' };
      return;
    }
    const row = csvRowToTrackRequest(columns, record.fields);
    yield row.ok
      ? { kind: 'event', line: record.line, raw: record.raw, event: { body: row.body, clientIp: null, userAgent: null } }
      : { kind: 'reject', line: record.line, raw: record.raw, code: 'malformed_csv', reason: row.reason };
  }
  for await (const { number, text } of lines) {
    if (text === '' && !assembler.open) {
      // RFC 4180 has no blank records; a blank line between rows (often the last) is not one.
      yield { kind: 'skip', line: number, reason: 'blank_line' };
      continue;
    }
    yield* toRecords(assembler.push(text, number));
  }
  yield* toRecords(assembler.end());
};

export class CsvHeaderError extends Error {
  override readonly name = 'CsvHeaderError';
}

/** Web server access logs in Combined Log Format: page requests become page views, the rest is skipped. */
export function accessLogSource(mapper: AccessLogMapper): RecordSource {
  return async function* (lines: AsyncIterable<NumberedLine>) {
    for await (const { number, text } of lines) {
      if (text.trim() === '') {
        yield { kind: 'skip', line: number, reason: 'blank_line' };
        continue;
      }
      const parsed = parseCombinedLogLine(text);
      if (!parsed.ok) {
        yield { kind: 'reject', line: number, raw: text, code: 'malformed_line', reason: `not Combined Log Format: ${parsed.reason}` };
        continue;
      }
      const mapped = mapper.map(parsed.value);
      yield mapped.kind === 'event' ? { kind: 'event', line: number, raw: text, event: mapped.event } : { kind: 'skip', line: number, reason: mapped.reason };
    }
  };
}
