import type { TrackingEvent } from '@tracking/contracts';
import { parseCustomerConfig } from '@tracking/customers';
import { DEFAULT_INGESTION_LIMITS, IngestionPipeline } from '@tracking/ingestion';
import { BackfillRunner, type EventSink, type RejectEntry } from './backfill.runner';
import type { InputFile } from './input-files';
import { csvSource, jsonLinesSource } from './record-sources';
import type { NumberedLine } from './source-record';

const KEY = Buffer.from('runner-spec-hash-key-0123456789abcdef');
const NOW = Date.parse('2025-01-15T12:00:00Z');

async function* linesOf(text: string): AsyncGenerator<NumberedLine> {
  let number = 0;
  for (const line of text.split('\n')) yield { number: (number += 1), text: line };
}

function setup(files: Record<string, string>, options: { privacy?: Record<string, unknown>; batchSize?: number; sink?: EventSink } = {}) {
  const published: TrackingEvent[][] = [];
  const rejects: RejectEntry[] = [];
  const sink: EventSink = options.sink ?? {
    publish: (events) => {
      published.push([...events]);
      return Promise.resolve(events.length);
    },
  };
  const customer = parseCustomerConfig('acme', { customer: { id: 'acme', name: 'Acme' }, privacy: options.privacy ?? {} }, {});
  const sut = new BackfillRunner({
    customer,
    hashKey: KEY,
    pipeline: new IngestionPipeline(DEFAULT_INGESTION_LIMITS, KEY),
    sink,
    rejects: { write: (entry) => rejects.push(entry) },
    lines: (file) => linesOf(files[file.path]),
    sourceFor: (file) => (file.format === 'csv' ? csvSource : jsonLinesSource),
    batchSize: options.batchSize ?? 500,
    dryRun: false,
    rejectsFile: 'rejects.jsonl',
    now: () => NOW,
  });
  const inputs: InputFile[] = Object.keys(files).map((path) => ({ path, size: files[path].length, gzip: false, format: path.endsWith('.csv') ? 'csv' : 'jsonl' }));
  return { sut, inputs, mocks: { published, rejects } };
}

const line = (body: Record<string, unknown>): string => JSON.stringify(body);
const VIEW = { event_type: 'page_view', page_url: 'https://a.example/?token=abc', occurred_at: '2024-11-02T10:00:00Z', session_id: 's1' };

describe(BackfillRunner.name, () => {
  it('publishes what the gateway pipeline accepts, with source backfill and the record\'s own time as received_at', async () => {
    const { sut, inputs, mocks } = setup({ 'a.jsonl': line(VIEW) });
    const summary = await sut.run(inputs);
    expect(summary).toMatchObject({ files: 1, lines: 1, accepted: 1, published: 1, duplicates: 0 });
    expect(mocks.published.flat()[0]).toMatchObject({
      source: 'backfill',
      page_url: 'https://a.example/?token=REDACTED',
      occurred_at: Date.parse(VIEW.occurred_at),
      received_at: Date.parse(VIEW.occurred_at),
      event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('gives the same events the same ids in every run and publishes a repeated line once', async () => {
    const files = { 'a.jsonl': [line(VIEW), line({ ...VIEW, session_id: 's2' }), line(VIEW)].join('\n') };
    const first = setup(files);
    const second = setup(files);
    expect(await first.sut.run(first.inputs)).toMatchObject({ accepted: 2, published: 2, duplicates: 1 });
    await second.sut.run(second.inputs);
    expect(second.mocks.published).toEqual(first.mocks.published);
  });

  it('rejects with a reason what the pipeline refuses or drops, and history without a time', async () => {
    const { sut, inputs, mocks } = setup(
      {
        'a.jsonl': [
          line({ page_url: 'https://a.example/', occurred_at: VIEW.occurred_at }),
          line({ ...VIEW, consent_state: 'pending' }),
          line({ event_type: 'page_view' }),
          line({ ...VIEW, occurred_at: '2025-01-16T12:00:00Z' }),
          '{',
        ].join('\n'),
      },
      { privacy: { consent_required: true } },
    );
    const summary = await sut.run(inputs);
    expect(summary.rejected).toEqual({ total: 5, byReason: { invalid_event: 2, consent_pending: 1, missing_time: 1, invalid_json: 1 } });
    expect(mocks.rejects.map(({ line, code }) => [line, code])).toEqual([
      [1, 'invalid_event'],
      [2, 'consent_pending'],
      [3, 'missing_time'],
      [4, 'invalid_event'],
      [5, 'invalid_json'],
    ]);
    expect(mocks.rejects[0]).toEqual({ file: 'a.jsonl', line: 1, code: 'invalid_event', reason: 'event_type is required', raw: line({ page_url: 'https://a.example/', occurred_at: VIEW.occurred_at }) });
    expect(mocks.rejects[3].reason).toContain('in the future');
    expect(mocks.published).toEqual([]);
  });

  it('publishes in batches of the given size and counts only acknowledged events as published', async () => {
    const lines = Array.from({ length: 5 }, (_, index) => line({ ...VIEW, session_id: `s${index}` }));
    const { sut, inputs, mocks } = setup({ 'a.jsonl': lines.join('\n') }, { batchSize: 2 });
    expect(await sut.run(inputs)).toMatchObject({ accepted: 5, published: 5 });
    expect(mocks.published.map((batch) => batch.length)).toEqual([2, 2, 1]);
  });

  it('stops at a failed publication and tells how far it got', async () => {
    const sink: EventSink = { publish: () => Promise.reject(new Error('no acknowledgement')) };
    const { sut, inputs } = setup({ 'a.jsonl': [line(VIEW), line({ ...VIEW, session_id: 's2' })].join('\n') }, { batchSize: 1, sink });
    await expect(sut.run(inputs)).rejects.toThrow('no acknowledgement');
    expect(sut.progress.published).toBe(0);
    expect(sut.position).toEqual({ file: 'a.jsonl', line: 1 });
  });

  it('reads CSV rows into the same events as the equivalent JSON lines', async () => {
    const csv = setup({ 'a.csv': 'event_type,page_url,occurred_at,session_id\npage_view,https://a.example/?token=abc,2024-11-02T10:00:00Z,s1\n' });
    const jsonl = setup({ 'a.jsonl': line(VIEW) });
    expect(await csv.sut.run(csv.inputs)).toMatchObject({ lines: 3, accepted: 1, skipped: { total: 2, byReason: { csv_header: 1, blank_line: 1 } } });
    await jsonl.sut.run(jsonl.inputs);
    expect(csv.mocks.published).toEqual(jsonl.mocks.published);
  });
});
