import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { exportStatus, runExport, type BucketActivity, type ExportStatus, type RunResult } from '../api/exports';
import { SeriesChart } from '../series-chart';
import type { PageProps } from './index';

const HOURS = 24;
const REFRESH_MS = 15_000;
/** One colour per format, the same on every load. */
const FORMAT_COLOURS: Record<string, string> = {
  jsonl: '#0b5cad',
  'jsonl.gz': '#4a7fc1',
  csv: '#1f7a4d',
  'csv.gz': '#5c9c7a',
  parquet: '#8a5a00',
  avro: '#6b3fa0',
  other: '#57606a',
};

const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : 'never');

/**
 * The tenant's S3 export (GET /console/api/exports/status): objects stored per hour and format over
 * the last day, each bucket's state, the export's state and failures, and Run now (admin scope,
 * POST /console/api/exports/run). A customer without an export is told so.
 */
export function ExportsPage({ session, customerId }: PageProps) {
  const [data, setData] = useState<ExportStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [ran, setRan] = useState<RunResult | null>(null);
  const [runError, setRunError] = useState<string | null>(null);
  const canRun = session.role === 'operator' || session.scopes.includes('admin');

  const load = useCallback(async () => {
    try {
      setData(await exportStatus(customerId, HOURS));
      setError(null);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }, [customerId]);

  useEffect(() => {
    setData(null);
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const run = async () => {
    setRunning(true);
    setRunError(null);
    try {
      setRan(await runExport(customerId));
      await load();
    } catch (failure) {
      setRunError(failure instanceof ApiError || failure instanceof Error ? failure.message : String(failure));
    } finally {
      setRunning(false);
    }
  };

  const activity = data?.configured ? data.activity : null;
  const x = useMemo(() => (activity?.per_hour ?? []).map((slot) => Date.parse(slot.hour) / 1000), [activity]);
  const series = useMemo(
    () =>
      (activity?.formats ?? []).map((format) => ({
        label: format,
        color: FORMAT_COLOURS[format] ?? FORMAT_COLOURS['other'] ?? '#57606a',
        values: (activity?.per_hour ?? []).map((slot) => slot.objects[format] ?? 0),
      })),
    [activity],
  );
  const totalObjects = series.reduce((sum, line) => sum + line.values.reduce((a, b) => a + b, 0), 0);

  return (
    <section aria-labelledby="exports-title" class="exports">
      <div class="page-head">
        <h1 id="exports-title">Exports</h1>
        <p class="muted">S3 export of {data?.customer_id ?? customerId ?? session.customer_id ?? ''}</p>
      </div>
      {error && (
        <p class="error" role="alert">
          Could not load the export status: {error}
        </p>
      )}
      {!data && !error && (
        <p class="muted" role="status">
          Loading…
        </p>
      )}
      {data && !data.configured && (
        <section class="card" aria-labelledby="no-export-title">
          <h2 id="no-export-title">No export configured</h2>
          <p class="muted">
            This customer has no <code>s3_export</code> block in its configuration, so nothing is written to S3. See the README's S3 export section
            to set one up.
          </p>
        </section>
      )}
      {data?.configured && (
        <>
          <div class="tiles four">
            <StateTile state={data.status?.state} />
            <Tile label="Objects written (since start)" value={data.status?.objects_written} />
            <Tile label="Events written (since start)" value={data.status?.events_written} />
            <Tile label="Events waiting in open objects" value={data.status?.pending_events} />
          </div>
          <section class="card run-now" aria-labelledby="run-title">
            <div>
              <h2 id="run-title">Run now</h2>
              <p class="muted">
                Closes the open objects now instead of at their schedule ({data.configuration?.schedule ?? 'unknown'}
                {data.status?.next_close_at ? `, next at ${when(data.status.next_close_at)}` : ''}).
              </p>
            </div>
            {canRun ? (
              <button type="button" onClick={() => void run()} disabled={running}>
                {running ? 'Running…' : 'Run now'}
              </button>
            ) : (
              <p class="muted">Needs a token with the admin scope.</p>
            )}
            <p aria-live="polite" class="run-result">
              {ran && `Written: ${ran.objects} objects, ${ran.events} events${ran.failed ? `, ${ran.failed} failed` : ''}.`}
            </p>
            {runError && (
              <p class="error" role="alert">
                Run refused: {runError}
              </p>
            )}
          </section>
          <figure class="card">
            <figcaption>
              <h2>Objects written per hour and format</h2>
            </figcaption>
            <div role="img" aria-label={`Objects written to the client bucket over the last ${HOURS} hours: ${totalObjects}, by format ${(activity?.formats ?? []).join(', ') || 'none'}`}>
              {series.length > 0 ? <SeriesChart x={x} series={series} yLabel="objects / hour" bars /> : <p class="muted">No object written in the last {HOURS} hours.</p>}
            </div>
          </figure>
          <section class="card" aria-labelledby="buckets-title">
            <h2 id="buckets-title">Buckets</h2>
            {!activity && <p class="muted">The buckets could not be listed for this export.</p>}
            <div class="table-scroll" role="region" aria-label="Buckets, scrollable" tabIndex={0}>
              <table class="buckets">
                <thead>
                  <tr>
                    <th scope="col">Bucket</th>
                    <th scope="col" class="num">
                      Objects
                    </th>
                    <th scope="col">Last write</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {(activity?.buckets ?? []).map((bucket) => (
                    <BucketRow key={bucket.role} bucket={bucket} />
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section class="card" aria-labelledby="failures-title">
            <h2 id="failures-title">Failures</h2>
            <Failures data={data} />
          </section>
          {data.configuration && (
            <p class="muted">
              Format {data.configuration.format}
              {data.configuration.compression !== 'none' ? ` (${data.configuration.compression})` : ''}, prefix <code>{data.configuration.prefix || '(none)'}</code>
              {data.configuration.split_by_site ? ', split by site' : ''}.
            </p>
          )}
        </>
      )}
    </section>
  );
}

function BucketRow({ bucket }: { bucket: BucketActivity }) {
  return (
    <tr>
      <th scope="row">
        <span class="bucket-role">{bucket.role}</span> <code>{bucket.bucket}</code>
      </th>
      <td class="num">
        {bucket.objects.toLocaleString()}
        {bucket.truncated ? '+' : ''}
      </td>
      <td>{when(bucket.last_write_at)}</td>
      <td>{bucket.error ? <span class="badge bad">{`not reachable: ${bucket.error}`}</span> : <span class="badge good">reachable</span>}</td>
    </tr>
  );
}

function Failures({ data }: { data: Extract<ExportStatus, { configured: true }> }) {
  const status = data.status;
  const instance = data.activity?.instance;
  const lastError = status?.last_error ?? instance?.last_error ?? null;
  if (status?.state === 'misconfigured') {
    return (
      <ul class="problems">
        {(status.problems ?? []).map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    );
  }
  return (
    <dl class="facts">
      <dt>Failing since</dt>
      <dd>{status?.failing_since ? when(status.failing_since) : 'not failing'}</dd>
      {status?.next_retry_at && (
        <>
          <dt>Next retry</dt>
          <dd>{when(status.next_retry_at)}</dd>
        </>
      )}
      <dt>Failures in a row</dt>
      <dd>{instance ? instance.consecutive_failures : 'unknown'}</dd>
      <dt>Last error</dt>
      <dd>{lastError ? `${lastError.message} (${when(lastError.at)})` : 'none'}</dd>
      <dt>Last export</dt>
      <dd>{when(status?.last_export_at)}</dd>
    </dl>
  );
}

function StateTile({ state }: { state: string | undefined }) {
  const tone = state === 'exporting' ? 'good' : state ? 'bad' : '';
  return (
    <div class={`tile card ${tone}`}>
      <span class="tile-label">State</span>
      <span class="tile-value">{state ?? '…'}</span>
    </div>
  );
}

function Tile({ label, value }: { label: string; value: number | undefined }) {
  return (
    <div class="tile card">
      <span class="tile-label">{label}</span>
      <span class="tile-value">{value === undefined ? '…' : value.toLocaleString()}</span>
    </div>
  );
}
