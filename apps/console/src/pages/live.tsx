import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { eventJourney, liveStreamUrl, type EventJourney, type LiveEvent, type LiveFilters, type StepStatus } from '../api/live';
import { navigate, subPath } from '../app';
import type { PageProps } from './index';

/** The list keeps this many events, newest first: a busy tenant does not grow the page without end. */
const KEEP = 500;
const BASE = '/console/live';
/** Asks this often (once a second) before saying an event is not there: the vault may be a moment behind. */
const NOT_FOUND_RETRIES = 5;

type Connection = 'connecting' | 'live' | 'reconnecting' | 'closed';

/**
 * Live events: the tenant's events as the gateway acknowledges them (server-sent events), filtered by
 * type and URL, paused or cleared at will; an event's address (/console/live/<event id>) shows its
 * journey through the vault, the export and the automations.
 */
export function LivePage({ customerId }: PageProps) {
  const eventId = subPath({ path: 'live', title: '', component: LivePage });
  return eventId ? <JourneyView eventId={eventId} customerId={customerId} /> : <LiveList customerId={customerId} />;
}

function LiveList({ customerId }: { customerId?: string }) {
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const [filters, setFilters] = useState<LiveFilters>({});
  const [draft, setDraft] = useState<LiveFilters>({});
  const [connection, setConnection] = useState<Connection>('connecting');
  const [problem, setProblem] = useState<string | null>(null);
  const [held, setHeld] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    setConnection('connecting');
    setProblem(null);
    const source = new EventSource(liveStreamUrl(customerId, filters), { withCredentials: true });
    source.addEventListener('ready', () => setConnection('live'));
    source.addEventListener('tracking_event', (message: MessageEvent<string>) => {
      if (pausedRef.current) {
        setHeld((count) => count + 1);
        return;
      }
      const event = JSON.parse(message.data) as LiveEvent;
      setEvents((list) => [event, ...list.filter((other) => other.event_id !== event.event_id)].slice(0, KEEP));
    });
    source.addEventListener('close', (message: MessageEvent<string>) => {
      setProblem((JSON.parse(message.data) as { reason?: string }).reason ?? 'The gateway ended the stream');
    });
    source.onerror = () => {
      // EventSource reconnects by itself; CLOSED means it gave up (a 4xx such as 429 or 401).
      if (source.readyState === EventSource.CLOSED) {
        setConnection('closed');
        setProblem('The stream was refused (too many open streams, or the session ended). Reload to try again.');
      } else setConnection('reconnecting');
    };
    return () => source.close();
  }, [customerId, filters]);

  const apply = (event: Event) => {
    event.preventDefault();
    setFilters({ type: draft.type?.trim() || undefined, url: draft.url?.trim() || undefined });
    // In the same render as the click: until the new stream says ready, the old one's "live" would be a lie.
    setConnection('connecting');
    setEvents([]);
  };

  return (
    <section aria-labelledby="live-title" class="live">
      <div class="page-head">
        <h1 id="live-title">Live events</h1>
        <p class="muted" aria-live="polite">
          <span class={`badge ${connection === 'live' ? 'good' : 'warn'}`}>{connection === 'live' ? (paused ? 'paused' : 'live') : connection}</span>{' '}
          {events.length} shown{paused && held > 0 ? ` · ${held} arrived while paused` : ''}
        </p>
      </div>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <form class="card live-filters" onSubmit={apply} aria-label="Filters">
        <label>
          Event type
          <input value={draft.type ?? ''} onInput={(e) => setDraft({ ...draft, type: (e.target as HTMLInputElement).value })} placeholder="page_view" />
        </label>
        <label>
          URL contains
          <input value={draft.url ?? ''} onInput={(e) => setDraft({ ...draft, url: (e.target as HTMLInputElement).value })} placeholder="/pricing" />
        </label>
        <div class="live-actions">
          <button type="submit">Apply</button>
          <button
            type="button"
            class="secondary"
            aria-pressed={paused}
            onClick={() => {
              setPaused(!paused);
              setHeld(0);
            }}
          >
            {paused ? 'Resume' : 'Pause'}
          </button>
          <button type="button" class="secondary" onClick={() => setEvents([])}>
            Clear
          </button>
        </div>
      </form>
      <section class="card" aria-labelledby="live-list-title">
        <h2 id="live-list-title">Events, newest first</h2>
        {events.length === 0 && <p class="muted">Waiting for events… Send one and it appears here.</p>}
        <ul class="live-list">
          {events.map((event) => (
            <li key={event.event_id} class="live-row">
              <a
                href={`${BASE}/${encodeURIComponent(event.event_id)}`}
                onClick={(click) => {
                  if (click.button !== 0 || click.metaKey || click.ctrlKey) return;
                  click.preventDefault();
                  navigate(`${BASE}/${encodeURIComponent(event.event_id)}`);
                }}
              >
                <span class="live-type">{event.event_type}</span>
                <span class="live-name">{event.event_name ?? ''}</span>
                <span class="live-url">{event.page_url ?? '(no page)'}</span>
                <time class="live-time" dateTime={event.received_at}>
                  {new Date(event.received_at).toLocaleTimeString()}
                </time>
              </a>
            </li>
          ))}
        </ul>
      </section>
    </section>
  );
}

const STATUS_TEXT: Record<StepStatus, string> = { found: 'found', not_yet: 'not yet', none: 'none', unavailable: 'unavailable' };

function Status({ status }: { status: StepStatus }) {
  const tone = status === 'found' ? 'good' : status === 'unavailable' ? 'bad' : 'warn';
  return <span class={`badge ${tone}`}>{STATUS_TEXT[status]}</span>;
}

function JourneyView({ eventId, customerId }: { eventId: string; customerId?: string }) {
  const [journey, setJourney] = useState<EventJourney | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    eventJourney(eventId, customerId).then(
      (answer) => {
        if (stopped) return;
        setJourney(answer);
        setProblem(null);
      },
      (error: unknown) => {
        if (stopped) return;
        // Another gateway instance may answer before the vault has the event: ask again a few times.
        if (error instanceof ApiError && error.status === 404 && tick < NOT_FOUND_RETRIES) {
          retry = setTimeout(() => setTick((n) => n + 1), 1000);
          return;
        }
        setProblem(error instanceof ApiError && error.status === 404 ? `No event ${eventId} for this customer.` : error instanceof Error ? error.message : String(error));
      },
    );
    return () => {
      stopped = true;
      clearTimeout(retry);
    };
  }, [eventId, customerId, tick]);

  const pending = journey && [journey.vault.status, journey.export.status, journey.triggers.status].some((status) => status === 'not_yet');
  useEffect(() => {
    if (!pending) return;
    // Consumers catch up within seconds: ask again while a step is not reached yet.
    const timer = setTimeout(() => setTick((n) => n + 1), 2000);
    return () => clearTimeout(timer);
  }, [pending, journey]);

  return (
    <section aria-labelledby="journey-title" class="journey">
      <div class="page-head">
        <p>
          <a href={BASE} onClick={(click) => { click.preventDefault(); navigate(BASE); }}>
            ← Live events
          </a>
        </p>
        <h1 id="journey-title">Event journey</h1>
        <p class="muted journey-id">{eventId}</p>
      </div>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {!journey && !problem && <p class="muted" role="status">Loading…</p>}
      {journey && (
        <ol class="journey-steps">
          <li class="card" data-step="record">
            <h2>
              Record <Status status="found" />
            </h2>
            <p class="muted">
              {journey.kafka.topic} partition {journey.kafka.partition}, offset {journey.kafka.offset} · read from the {journey.record_from === 'vault' ? "vault's raw layer" : 'live stream'} · idempotency key{' '}
              <code>{journey.idempotency_key}</code>
            </p>
            <dl class="journey-fields">
              {Object.entries(journey.record)
                .filter(([, value]) => value !== null && value !== '')
                .map(([name, value]) => (
                  <div key={name}>
                    <dt>{name}</dt>
                    <dd>{String(value)}</dd>
                  </div>
                ))}
            </dl>
          </li>
          <li class="card" data-step="vault">
            <h2>
              Vault <Status status={journey.vault.status} />
            </h2>
            {journey.vault.reason && <p class="muted">{journey.vault.reason}</p>}
            {journey.vault.status === 'not_yet' && <p class="muted">The vault loader has not loaded this event yet.</p>}
            {journey.vault.raw && (
              <p>
                Raw: {journey.vault.raw.processing_status}, loaded {new Date(journey.vault.raw.load_date).toLocaleString()} from {journey.vault.raw.record_source} (schema {journey.vault.raw.schema_id})
              </p>
            )}
            {journey.vault.staging && (
              <p>
                Staging: {journey.vault.staging.validation_status}, quality {journey.vault.staging.quality_score ?? '–'}
                {journey.vault.staging.site_id ? `, site ${journey.vault.staging.site_id}` : ''}
                {journey.vault.staging.findings.length > 0 ? ` · ${journey.vault.staging.findings.map((finding) => finding.check).join(', ')}` : ''}
              </p>
            )}
            {journey.vault.business && journey.vault.business.length > 0 && (
              <div class="table-scroll">
                <table class="journey-table">
                  <caption>Business vault rows</caption>
                  <thead>
                    <tr>
                      <th scope="col">Table</th>
                      <th scope="col">Key</th>
                      <th scope="col">Written</th>
                    </tr>
                  </thead>
                  <tbody>
                    {journey.vault.business.map((row) => (
                      <tr key={`${row.table}:${row.key}`}>
                        <td>{row.table}</td>
                        <td>
                          <code>{row.key.slice(0, 16)}…</code>
                        </td>
                        <td>{row.written_by_this_event ? 'by this event' : `earlier, ${new Date(row.load_date).toLocaleString()}`}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </li>
          <li class="card" data-step="export">
            <h2>
              S3 export <Status status={journey.export.status} />
            </h2>
            {journey.export.reason && <p class="muted">{journey.export.reason}</p>}
            {journey.export.status === 'not_yet' && <p class="muted">No object holds it yet: the exporter writes objects on its schedule.</p>}
            <ul class="journey-objects">
              {journey.export.objects?.map((object) => (
                <li key={object.key}>
                  <code>
                    s3://{object.bucket}/{object.key}
                  </code>
                </li>
              ))}
            </ul>
          </li>
          <li class="card" data-step="triggers">
            <h2>
              Automations <Status status={journey.triggers.status} />
            </h2>
            {journey.triggers.reason && <p class="muted">{journey.triggers.reason}</p>}
            {journey.triggers.status === 'none' && <p class="muted">No workflow matched this event.</p>}
            {journey.triggers.triggers?.map((trigger) => (
              <div key={trigger.trigger_id} class="journey-trigger">
                <p>
                  Workflow <strong>{trigger.workflow_id}</strong> fired {new Date(trigger.fired_at).toLocaleString()} · delivery {trigger.delivery_status}
                  {trigger.webhook ? ` to ${trigger.webhook}` : ''}
                </p>
                <ul>
                  {trigger.deliveries.map((delivery) => (
                    <li key={delivery.attempt}>
                      Attempt {delivery.attempt}: {delivery.status_code ?? delivery.error ?? 'no answer'} in {Math.round(delivery.duration_ms)} ms
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </li>
        </ol>
      )}
    </section>
  );
}
