import { useEffect, useState } from 'preact/hooks';
import type { Session } from '../api';
import { listRejections, redrive, type Rejection, type RedriveOutcome, type RejectionPage } from '../api/rejected';

const PAGE_SIZE = 25;

/** The stored payload as the editor's starting text: indented when it is JSON, as stored when it is not (cut at 64 KB). */
function editable(rejection: Rejection): string {
  if (rejection.payload === null) return '';
  try {
    return JSON.stringify(JSON.parse(rejection.payload), null, 2);
  } catch {
    return rejection.payload;
  }
}

/** The editor's text as JSON, or why it is not. */
function parsed(text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
}

const when = (iso: string): string => new Date(iso).toLocaleString();

/**
 * Rejected events (issue 21): what the gateway refused and what the vault-loader marked invalid,
 * with the reason and the field. Open one to fix its JSON and redrive it under its original event
 * id; select several to redrive them at once (each with its edited JSON, else as stored). Results
 * come back per item; redriven rejections are marked.
 */
export function RejectedPage({ session, customerId }: { session: Session; customerId?: string }) {
  const [source, setSource] = useState<'' | 'gateway' | 'loader'>('');
  const [reason, setReason] = useState('');
  const [applied, setApplied] = useState<{ source: '' | 'gateway' | 'loader'; reason: string }>({ source: '', reason: '' });
  const [offset, setOffset] = useState(0);
  const [data, setData] = useState<RejectionPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [open, setOpen] = useState<Rejection | null>(null);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [results, setResults] = useState<RedriveOutcome[] | null>(null);
  const [busy, setBusy] = useState(false);
  const canRedrive = session.role === 'operator' || session.scopes.includes('admin');

  useEffect(() => {
    let stopped = false;
    listRejections({ ...(applied.source ? { source: applied.source } : {}), ...(applied.reason ? { reason: applied.reason } : {}), limit: PAGE_SIZE, offset }, customerId).then(
      (page) => {
        if (stopped) return;
        setData(page);
        setError(null);
        setOpen((current) => (current ? (page.rejections.find((row) => row.id === current.id) ?? current) : null));
      },
      (failure: unknown) => !stopped && setError(failure instanceof Error ? failure.message : String(failure)),
    );
    return () => {
      stopped = true;
    };
  }, [customerId, applied, offset, reload]);

  const draftOf = (rejection: Rejection): string => drafts[rejection.id] ?? editable(rejection);

  const send = async (items: Rejection[]) => {
    const bodies: Array<{ id: string; event: unknown }> = [];
    const local: RedriveOutcome[] = [];
    for (const item of items) {
      const json = parsed(draftOf(item));
      if (json.ok) bodies.push({ id: item.id, event: json.value });
      else local.push({ id: item.id, ok: false, outcome: 'not sent', message: `The JSON does not parse: ${json.problem}`, details: [] });
    }
    setBusy(true);
    setResults(null);
    try {
      const answered = bodies.length > 0 ? await redrive(bodies, customerId) : [];
      setResults([...answered, ...local]);
      setSelected(new Set());
      setReload((count) => count + 1);
    } catch (failure) {
      setResults([...bodies.map((body) => ({ id: body.id, ok: false, outcome: 'failed', message: failure instanceof Error ? failure.message : String(failure), details: [] })), ...local]);
    } finally {
      setBusy(false);
    }
  };

  const rows = data?.rejections ?? [];
  const redrivable = rows.filter((row) => row.redrivable);
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const openDraft = open ? draftOf(open) : '';
  const openCheck = open ? parsed(openDraft) : null;

  return (
    <section aria-labelledby="rejected-title" class="rejected">
      <div class="page-head">
        <h1 id="rejected-title">Rejected events</h1>
        <p class="muted">
          Refused by the gateway (kept 14 days) or marked invalid by the vault-loader. Fix an event's JSON and redrive it: it goes through the same checks as
          any event, under its original event id, so it is kept once however often it is sent.
        </p>
      </div>
      <form
        class="card filters"
        onSubmit={(event) => {
          event.preventDefault();
          setOffset(0);
          setApplied({ source, reason: reason.trim() });
        }}
      >
        <label>
          Source
          <select value={source} onChange={(event) => setSource((event.target as HTMLSelectElement).value as '' | 'gateway' | 'loader')}>
            <option value="">All</option>
            <option value="gateway">Gateway refusals</option>
            <option value="loader">Loader validation</option>
          </select>
        </label>
        <label>
          Reason contains
          <input type="search" value={reason} onInput={(event) => setReason((event.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Apply</button>
      </form>
      {error && (
        <p class="error" role="alert">
          Could not load the rejections: {error}
        </p>
      )}
      <div class="card">
        <div class="rejected-bar">
          <p class="muted" aria-live="polite">
            {data ? `${data.total.toLocaleString()} rejection${data.total === 1 ? '' : 's'}` : 'Loading…'}
          </p>
          {canRedrive && (
            <button type="button" disabled={busy || selected.size === 0} onClick={() => void send(redrivable.filter((row) => selected.has(row.id)))}>
              Redrive selected ({selected.size})
            </button>
          )}
        </div>
        {data && rows.length === 0 && <p class="muted">Nothing was rejected{applied.source || applied.reason ? ' that matches' : ''}.</p>}
        {rows.length > 0 && (
          <div class="table-scroll" tabIndex={0} role="region" aria-label="Rejected events table">
            <table class="rejections">
              <caption class="visually-hidden">Rejected events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">
                    <span class="visually-hidden">Select</span>
                  </th>
                  <th scope="col">Received</th>
                  <th scope="col">Field</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Source</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span class="visually-hidden">Open</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id} class={open?.id === row.id ? 'current' : undefined}>
                    <td>
                      {row.redrivable && canRedrive && (
                        <input type="checkbox" checked={selected.has(row.id)} onChange={() => toggle(row.id)} aria-label={`Select the rejection of ${when(row.received_at)}`} />
                      )}
                    </td>
                    <td>{when(row.received_at)}</td>
                    <td>{row.field ? <mark class="field-name">{row.field}</mark> : '—'}</td>
                    <td class="reason">{row.reason ?? '—'}</td>
                    <td>{row.source === 'gateway' ? 'gateway' : 'loader'}</td>
                    <td>
                      {row.redriven ? (
                        <span class="badge good" title={`by ${row.redriven.redriven_by} at ${when(row.redriven.redriven_at)}`}>
                          redriven
                        </span>
                      ) : (
                        <span class="badge warn">{row.redrivable ? 'open' : 'in vault'}</span>
                      )}
                    </td>
                    <td>
                      <button type="button" class="secondary small" onClick={() => setOpen(row)} aria-label={`Open the rejection of ${when(row.received_at)}`}>
                        Open
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data && data.total > PAGE_SIZE && (
          <div class="pager">
            <button type="button" class="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
              Newer
            </button>
            <span class="muted">
              {offset + 1}–{Math.min(offset + PAGE_SIZE, data.total)} of {data.total}
            </span>
            <button type="button" class="secondary" disabled={offset + PAGE_SIZE >= data.total} onClick={() => setOffset(offset + PAGE_SIZE)}>
              Older
            </button>
          </div>
        )}
      </div>
      {results && (
        <section class="card" aria-labelledby="results-title">
          <h2 id="results-title">Redrive results</h2>
          <div role="status">
          <ul class="redrive-results">
            {results.map((result) => (
              <li key={result.id} class={result.ok ? 'ok' : 'refused'}>
                <span class={`badge ${result.ok ? 'good' : 'bad'}`}>{result.outcome}</span>{' '}
                {result.ok ? (
                  <span>
                    published under event id <code>{result.event_id}</code>
                  </span>
                ) : (
                  <span>
                    {result.message}
                    {result.details.length > 0 && (
                      <ul>
                        {result.details.map((detail) => (
                          <li key={detail.field}>
                            <mark class="field-name">{detail.field}</mark> {detail.reason}
                          </li>
                        ))}
                      </ul>
                    )}
                  </span>
                )}
              </li>
            ))}
          </ul>
          </div>
        </section>
      )}
      {open && (
        <section class="card editor" aria-labelledby="editor-title">
          <h2 id="editor-title">Rejection {open.id}</h2>
          <ul class="problems">
            {open.errors.map((problem) => (
              <li key={`${problem.field} ${problem.reason}`}>
                <mark class="field-name">{problem.field}</mark> {problem.reason}
              </li>
            ))}
          </ul>
          <p class="muted">
            Received {when(open.received_at)} · {open.source === 'gateway' ? `refused by the gateway (${open.ingest_source ?? 'api'})` : 'marked invalid by the vault-loader'}
            {open.event_id ? ` · event id ${open.event_id}` : ''}
            {open.redriven ? ` · redriven ${open.redriven.redrives}× by ${open.redriven.redriven_by}, last ${when(open.redriven.redriven_at)}` : ''}
          </p>
          {open.payload_truncated && <p class="error">The stored payload was cut at 64 KB: complete it before sending.</p>}
          <label for="payload-editor" class="editor-label">
            Event JSON
          </label>
          <textarea
            id="payload-editor"
            spellcheck={false}
            rows={14}
            value={openDraft}
            readOnly={!open.redrivable}
            aria-invalid={openCheck?.ok === false}
            aria-describedby="payload-check"
            onInput={(event) => {
              const text = (event.target as HTMLTextAreaElement).value;
              setDrafts((current) => ({ ...current, [open.id]: text }));
            }}
          />
          <p id="payload-check" class={openCheck?.ok ? 'muted' : 'error'}>
            {openCheck?.ok ? 'Valid JSON.' : `Not valid JSON: ${openCheck && !openCheck.ok ? openCheck.problem : ''}`}
          </p>
          <div class="editor-actions">
            {open.redrivable && canRedrive && (
              <button type="button" disabled={busy || !openCheck?.ok} onClick={() => void send([open])}>
                Redrive this event
              </button>
            )}
            {!open.redrivable && <p class="muted">Already in the vault under its event id: send a corrected copy with a new event_id instead.</p>}
            {open.redrivable && !canRedrive && <p class="muted">Redriving needs a token with the admin scope.</p>}
            <button type="button" class="secondary" onClick={() => setOpen(null)}>
              Close
            </button>
          </div>
        </section>
      )}
    </section>
  );
}
