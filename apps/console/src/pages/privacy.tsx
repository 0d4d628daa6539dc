import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { PLACES, erasures, requestErasure, type ErasureRequest, type ErasureResult, type PlaceStatus } from '../api/privacy';
import type { PageProps } from './index';

const REFRESH_MS = 3000;
const PLACE_NAMES: Record<(typeof PLACES)[number], string> = { vault: 'Vault', exporter: 'Export buckets', 'automation-trigger': 'Automation trigger' };

const when = (iso: string | null): string => (iso ? new Date(iso).toLocaleString() : '');

/**
 * The tenant's erasure requests (GET /console/api/privacy/erasures) and how far each has got in
 * every place (vault, export buckets, automation trigger), newest first; refreshed while one is
 * pending. With the admin scope, a form asks for a new one by visitor or user id, after an explicit
 * confirmation (POST, which cannot be undone). The id typed is sent once and never shown again: the
 * list names subjects only by count.
 */
export function PrivacyPage({ session, customerId }: PageProps) {
  const [requests, setRequests] = useState<ErasureRequest[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canErase = session.role === 'operator' || session.scopes.includes('admin');

  const load = useCallback(async () => {
    try {
      setRequests((await erasures(customerId)).slice().reverse());
      setError(null);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }, [customerId]);

  const pending = (requests ?? []).some((request) => PLACES.some((place) => (request.places[place]?.state ?? 'pending') === 'pending'));
  useEffect(() => {
    setRequests(null);
    void load();
  }, [load]);
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [pending, load]);

  return (
    <section aria-labelledby="privacy-title" class="privacy">
      <div class="page-head">
        <h1 id="privacy-title">Privacy</h1>
        <p class="muted">Erasure requests (right to be forgotten) and how far each has got.</p>
      </div>
      {canErase ? <ErasureForm customerId={customerId} onRequested={load} /> : <p class="muted card">Requesting an erasure needs a token with the admin scope.</p>}
      <section class="card" aria-labelledby="requests-title">
        <h2 id="requests-title">Requests</h2>
        {error && (
          <p class="error" role="alert">
            Could not load the erasure requests: {error}
          </p>
        )}
        {!requests && !error && (
          <p class="muted" role="status">
            Loading…
          </p>
        )}
        {requests && requests.length === 0 && <p class="muted">No erasure has been requested.</p>}
        <ol class="erasures">
          {(requests ?? []).map((request) => (
            <ErasureItem key={request.request_id} request={request} />
          ))}
        </ol>
      </section>
    </section>
  );
}

function ErasureItem({ request }: { request: ErasureRequest }) {
  const subjects = [request.subjects.visitors ? `${request.subjects.visitors} visitor id${request.subjects.visitors > 1 ? 's' : ''}` : '', request.subjects.users ? `${request.subjects.users} user id${request.subjects.users > 1 ? 's' : ''}` : '']
    .filter(Boolean)
    .join(' and ');
  return (
    <li class="erasure" data-request-id={request.request_id}>
      <div class="erasure-head">
        <code class="request-id">{request.request_id}</code>
        <span class="muted">
          {when(request.requested_at)} · {subjects || 'no subject'} · by {request.requested_by}
        </span>
      </div>
      <div class="table-scroll" role="region" aria-label={`Progress of ${request.request_id}, scrollable`} tabIndex={0}>
        <table class="places">
          <caption class="visually-hidden">Progress of request {request.request_id}</caption>
          <thead>
            <tr>
              <th scope="col">Place</th>
              <th scope="col">State</th>
              <th scope="col" class="num">
                Found
              </th>
              <th scope="col" class="num">
                Removed
              </th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            {PLACES.map((place) => (
              <PlaceRow key={place} name={PLACE_NAMES[place]} status={request.places[place]} />
            ))}
          </tbody>
        </table>
      </div>
    </li>
  );
}

function PlaceRow({ name, status }: { name: string; status: PlaceStatus | undefined }) {
  const state = status?.state ?? 'pending';
  const tone = state === 'done' ? 'good' : state === 'failed' ? 'bad' : 'warn';
  return (
    <tr data-place={name}>
      <th scope="row">{name}</th>
      <td>
        <span class={`badge ${tone}`}>{state}</span>
        {state === 'failed' && status?.detail ? <span class="muted"> {status.detail}</span> : null}
      </td>
      <td class="num">{status?.found ?? '–'}</td>
      <td class="num">{status?.removed ?? '–'}</td>
      <td>{when(status?.finished_at ?? null)}</td>
    </tr>
  );
}

/** Asks for one erasure: the kind of id, the id, a confirmation; the id is cleared once sent. */
function ErasureForm({ customerId, onRequested }: { customerId?: string; onRequested: () => Promise<void> }) {
  const [kind, setKind] = useState<'visitor_id' | 'user_id'>('visitor_id');
  const [id, setId] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<ErasureResult | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!id.trim()) return setProblem(`Enter the ${kind === 'visitor_id' ? 'visitor' : 'user'} id to erase.`);
    if (!confirmed) return setProblem('Tick the confirmation: an erasure cannot be undone.');
    setSending(true);
    setProblem(null);
    try {
      const subject = kind === 'visitor_id' ? { visitor_id: id.trim() } : { user_id: id.trim() };
      setResult(await requestErasure(customerId, subject));
      setId('');
      setConfirmed(false);
      await onRequested();
    } catch (failure) {
      const details = failure instanceof ApiError && failure.details.length > 0 ? ` (${failure.details.map((detail) => `${detail.field} ${detail.reason}`).join('; ')})` : '';
      setProblem(`${failure instanceof Error ? failure.message : String(failure)}${details}`);
    } finally {
      setSending(false);
    }
  };

  return (
    <form class="card erasure-form" onSubmit={(event) => void submit(event)} aria-labelledby="erase-title" noValidate>
      <h2 id="erase-title">Request an erasure</h2>
      <p class="muted">
        Removes or anonymises everything about one person in the vault, the export buckets and the automation trigger's records. It cannot be undone.
      </p>
      <fieldset class="segmented">
        <legend>Identify the person by</legend>
        <label class={kind === 'visitor_id' ? 'chosen' : ''}>
          <input type="radio" name="erase-kind" checked={kind === 'visitor_id'} onChange={() => setKind('visitor_id')} />
          Visitor id
        </label>
        <label class={kind === 'user_id' ? 'chosen' : ''}>
          <input type="radio" name="erase-kind" checked={kind === 'user_id'} onChange={() => setKind('user_id')} />
          User id
        </label>
      </fieldset>
      <label class="field">
        {kind === 'visitor_id' ? 'Visitor id to erase' : 'User id to erase'}
        <input type="text" autocomplete="off" spellcheck={false} value={id} maxLength={255} onInput={(event) => setId((event.target as HTMLInputElement).value)} />
      </label>
      <label class="check">
        <input type="checkbox" checked={confirmed} onChange={(event) => setConfirmed((event.target as HTMLInputElement).checked)} />
        I understand that this erases the person everywhere and cannot be undone
      </label>
      <div>
        <button type="submit" disabled={sending}>
          {sending ? 'Requesting…' : 'Erase'}
        </button>
      </div>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <p aria-live="polite" class="erase-result">
        {result && `Requested ${result.request_id}: the vault erased ${result.erased_visitors} visitor(s) and ${result.erased_users} user(s); the other places follow below.`}
      </p>
    </form>
  );
}
