/**
 * Columns that are fields of a track request body; every other column goes into event_data. These
 * are the validator's top-level fields but event_data and properties (a unit test keeps the lists
 * in step). utm_* columns land in event_data, where the pipeline looks for UTM parameters.
 */
export const TOP_LEVEL_COLUMNS: ReadonlySet<string> = new Set([
  'event_type',
  'event_name',
  'name',
  'page_url',
  'url',
  'referrer',
  'occurred_at',
  'sent_at',
  'session_id',
  'visitor_id',
  'user_id',
  'location_id',
  'event_id',
  'consent_state',
]);

/** A column holding event_data as one JSON object; the other extra columns are added to it. */
const EVENT_DATA_COLUMN = 'event_data';

export type CsvHeader = { ok: true; columns: string[] } | { ok: false; reason: string };

/** The header row's column names, trimmed; a byte order mark before the first one is not part of it. */
export function readCsvHeader(fields: readonly string[]): CsvHeader {
  const columns = fields.map((field, index) => (index === 0 ? field.replace(/^\uFEFF/, '') : field).trim());
  const seen = new Set<string>();
  for (const column of columns) {
    if (column === '') return { ok: false, reason: 'the header row has an empty column name' };
    if (seen.has(column)) return { ok: false, reason: `the header row names column "${column}" twice` };
    seen.add(column);
  }
  if (!seen.has('event_type')) return { ok: false, reason: 'the header row has no event_type column' };
  return { ok: true, columns };
}

export type CsvRow = { ok: true; body: Record<string, unknown> } | { ok: false; reason: string };

/**
 * One data row to a track request body. An empty cell is an absent field (CSV cannot tell empty
 * from missing); all values stay strings, as the validator expects of the top-level fields.
 */
export function csvRowToTrackRequest(columns: readonly string[], fields: readonly string[]): CsvRow {
  if (fields.length !== columns.length) return { ok: false, reason: `the row has ${fields.length} fields, the header ${columns.length}` };
  const body: Record<string, unknown> = {};
  let eventData: Record<string, unknown> = {};
  const extra: Record<string, string> = {};
  columns.forEach((column, index) => {
    const value = fields[index];
    if (value === '') return;
    if (TOP_LEVEL_COLUMNS.has(column)) body[column] = value;
    else if (column !== EVENT_DATA_COLUMN) extra[column] = value;
  });
  const dataIndex = columns.indexOf(EVENT_DATA_COLUMN);
  const dataText = dataIndex >= 0 ? fields[dataIndex] : '';
  if (dataText !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(dataText);
    } catch (error) {
      return { ok: false, reason: `event_data is not JSON: ${(error as Error).message}` };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, reason: 'event_data is not a JSON object' };
    eventData = parsed as Record<string, unknown>;
  }
  // A column is more specific than a key inside the event_data cell, so it wins.
  eventData = { ...eventData, ...extra };
  if (Object.keys(eventData).length > 0) body['event_data'] = eventData;
  return { ok: true, body };
}
