import { DEFAULT_INGESTION_LIMITS, validateTrackRequest } from '@tracking/ingestion';
import { csvRowToTrackRequest, readCsvHeader, TOP_LEVEL_COLUMNS } from './csv-row.mapper';

describe(csvRowToTrackRequest.name, () => {
  const columns = ['event_type', 'page_url', 'occurred_at', 'utm_source', 'plan', 'event_data'];

  it('puts request fields at the top level and every other column into event_data, leaving out empty cells', () => {
    expect(csvRowToTrackRequest(columns, ['page_view', 'https://a.example/', '2024-11-03T09:00:00Z', 'google', '', ''])).toEqual({
      ok: true,
      body: { event_type: 'page_view', page_url: 'https://a.example/', occurred_at: '2024-11-03T09:00:00Z', event_data: { utm_source: 'google' } },
    });
  });

  it('reads an event_data column as a JSON object, with the other columns over its keys', () => {
    expect(csvRowToTrackRequest(columns, ['search', '', '', '', 'pro', '{"q":"gift","plan":"free"}'])).toEqual({
      ok: true,
      body: { event_type: 'search', event_data: { q: 'gift', plan: 'pro' } },
    });
    expect(csvRowToTrackRequest(columns, ['search', '', '', '', '', '[1]'])).toEqual({ ok: false, reason: 'event_data is not a JSON object' });
    expect(csvRowToTrackRequest(columns, ['search', '', '', '', '', '{'])).toMatchObject({ ok: false, reason: expect.stringContaining('not JSON') });
  });

  it('refuses a row whose field count differs from the header', () => {
    expect(csvRowToTrackRequest(columns, ['page_view'])).toEqual({ ok: false, reason: 'the row has 1 fields, the header 6' });
  });

  it('uses only columns the gateway takes as top-level fields', () => {
    const body = Object.fromEntries([...TOP_LEVEL_COLUMNS].map((column) => [column, 'x']));
    const result = validateTrackRequest(body, DEFAULT_INGESTION_LIMITS, Date.now());
    const unknown = result.ok ? [] : result.errors.filter((error) => error.reason.startsWith('is not a known field'));
    expect(unknown).toEqual([]);
  });
});

describe(readCsvHeader.name, () => {
  it('trims names and drops a byte order mark', () => {
    expect(readCsvHeader(['\uFEFFevent_type', ' page_url '])).toEqual({ ok: true, columns: ['event_type', 'page_url'] });
  });

  it('refuses a header without event_type, with an empty or a repeated name', () => {
    expect(readCsvHeader(['page_url'])).toMatchObject({ ok: false, reason: expect.stringContaining('no event_type') });
    expect(readCsvHeader(['event_type', ''])).toMatchObject({ ok: false, reason: expect.stringContaining('empty') });
    expect(readCsvHeader(['event_type', 'a', 'a'])).toMatchObject({ ok: false, reason: expect.stringContaining('"a" twice') });
  });
});
