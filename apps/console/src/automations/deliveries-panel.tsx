import { useEffect, useState } from 'preact/hooks';
import { loadDeliveries, redeliver, type Delivery } from '../api/automations';

const STATES = ['', 'pending', 'delivered', 'dead', 'none', 'cancelled'] as const;
const REFRESH_MS = 5000;
const PAGE = 25;

/** A duration as people read it: whole milliseconds, a tenth below 10 ms. */
const duration = (ms: number) => `${ms < 10 ? ms.toFixed(1) : Math.round(ms).toLocaleString()} ms`;
const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '');
const tone = (state: string) => (state === 'delivered' ? 'good' : state === 'dead' ? 'bad' : state === 'pending' ? 'warn' : '');

/**
 * The tenant's fired triggers, newest first: state, every webhook attempt (response code or error,
 * duration), the next retry, and a redeliver button. Refreshes every few seconds; a state filter
 * and "Show older" page through the rest.
 */
export function DeliveriesPanel({ customerId, canRedeliver }: { customerId?: string; canRedeliver: boolean }) {
  const [state, setState] = useState('');
  const [rows, setRows] = useState<Delivery[]>([]);
  const [older, setOlder] = useState<Delivery[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const page = await loadDeliveries(customerId, { state: state || undefined, limit: PAGE });
        if (stopped) return;
        setRows(page.deliveries);
        if (older.length === 0) setNext(page.next_before);
        setError(null);
      } catch (failure) {
        if (!stopped) setError(failure instanceof Error ? failure.message : String(failure));
      }
      if (!stopped) timer = setTimeout(load, REFRESH_MS);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [customerId, state, tick]);

  const showOlder = async () => {
    if (!next) return;
    try {
      const page = await loadDeliveries(customerId, { state: state || undefined, limit: PAGE, before: next });
      setOlder([...older, ...page.deliveries]);
      setNext(page.next_before);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  const again = async (delivery: Delivery) => {
    setNotice(null);
    try {
      await redeliver(delivery.trigger_id, customerId);
      setNotice(`Trigger of ${delivery.workflow_id} queued for redelivery.`);
      setTick(tick + 1);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  const all = [...rows, ...older.filter((row) => !rows.some((fresh) => fresh.trigger_id === row.trigger_id))];

  return (
    <section class="card" aria-labelledby="deliveries-title">
      <div class="card-head">
        <h2 id="deliveries-title">Deliveries</h2>
        <label class="inline-label">
          State
          <select
            value={state}
            onChange={(event) => {
              setOlder([]);
              setState(event.currentTarget.value);
            }}
          >
            {STATES.map((value) => (
              <option key={value} value={value}>
                {value || 'all'}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p class="success" role="status">
          {notice}
        </p>
      )}
      {all.length === 0 ? (
        <p class="muted">No trigger has fired{state ? ` in state ${state}` : ''} yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="deliveries">
            <caption class="visually-hidden">Fired triggers with their webhook attempts</caption>
            <thead>
              <tr>
                <th scope="col">Fired</th>
                <th scope="col">Workflow</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Next retry</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {all.map((delivery) => (
                <tr key={delivery.trigger_id} data-trigger={delivery.trigger_id}>
                  <td>{time(delivery.fired_at)}</td>
                  <td>
                    <span class="workflow-id">{delivery.workflow_id}</span>
                    <span class="muted small-text">event {delivery.event_id.slice(0, 12)}</span>
                  </td>
                  <td>
                    <span class={`badge ${tone(delivery.state)}`}>{delivery.state}</span>
                  </td>
                  <td>
                    {delivery.attempts.length === 0 ? (
                      <span class="muted">{delivery.webhook_url ? 'none yet' : 'no webhook'}</span>
                    ) : (
                      <ol class="attempts">
                        {delivery.attempts.map((attempt) => (
                          <li key={attempt.attempt} class="attempt">
                            <span class={`code ${attempt.status_code !== null && attempt.status_code < 300 ? 'good' : 'bad'}`}>{attempt.status_code ?? 'no answer'}</span> ·{' '}
                            {duration(attempt.duration_ms)} · {time(attempt.attempted_at)}
                            {attempt.error && <span class="attempt-error"> · {attempt.error}</span>}
                          </li>
                        ))}
                      </ol>
                    )}
                  </td>
                  <td>{time(delivery.next_attempt_at) || <span class="muted">—</span>}</td>
                  <td>
                    {canRedeliver && delivery.webhook_url && (
                      <button type="button" class="secondary small" aria-label={`Redeliver ${delivery.workflow_id} ${delivery.trigger_id.slice(0, 8)}`} onClick={() => void again(delivery)}>
                        Redeliver
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <button type="button" class="secondary" onClick={() => void showOlder()}>
          Show older
        </button>
      )}
    </section>
  );
}
