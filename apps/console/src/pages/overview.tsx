import { useEffect, useState } from 'preact/hooks';
import { overview, type ConsumerHealth, type Overview, type Session } from '../api';
import { EventsChart } from '../events-chart';

/** How often the page asks again: "live" within a few seconds, without loading the gateway. */
const REFRESH_MS = 5000;

/**
 * The tenant's last hour: events per minute accepted vs rejected (chart), the totals, and each
 * consumer's lag and state. Refreshes every few seconds; a failed refresh keeps the last figures on
 * screen and says so.
 */
export function OverviewPage({ session, customerId }: { session: Session; customerId?: string }) {
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updated, setUpdated] = useState<Date | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const next = await overview(customerId);
        if (stopped) return;
        setData(next);
        setError(null);
        setUpdated(new Date());
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
  }, [customerId]);

  const tenant = data?.customer_id ?? customerId ?? session.customer_id ?? '';
  return (
    <section aria-labelledby="overview-title" class="overview">
      <div class="page-head">
        <h1 id="overview-title">Overview</h1>
        <p class="muted" aria-live="polite">
          {tenant} · last hour{updated ? ` · updated ${updated.toLocaleTimeString()}` : ''}
        </p>
      </div>
      {error && (
        <p class="error" role="alert">
          Could not refresh: {error}
        </p>
      )}
      <div class="tiles">
        <Tile label="Accepted events (last hour)" value={data?.accepted_total} tone="good" />
        <Tile label="Rejected events (last hour)" value={data?.rejected_total} tone="bad" />
        <Tile label="Consumers" value={data?.consumers.length} />
      </div>
      <figure class="card">
        <figcaption>
          <h2>Events per minute</h2>
        </figcaption>
        <div role="img" aria-label={chartSummary(data)}>
          <EventsChart points={data?.per_minute ?? []} />
        </div>
      </figure>
      <section class="card" aria-labelledby="consumers-title">
        <h2 id="consumers-title">Consumers</h2>
        {data && data.consumers.length === 0 && <p class="muted">No consumer reported yet.</p>}
        <ul class="consumers">
          {data?.consumers.map((consumer) => (
            <ConsumerRow key={consumer.name} consumer={consumer} maxLag={Math.max(1, ...data.consumers.map((c) => c.lag ?? 0))} />
          ))}
        </ul>
      </section>
    </section>
  );
}

function Tile({ label, value, tone }: { label: string; value: number | undefined; tone?: 'good' | 'bad' }) {
  return (
    <div class={`tile card ${tone ?? ''}`}>
      <span class="tile-label">{label}</span>
      <span class="tile-value">{value === undefined ? '…' : value.toLocaleString()}</span>
    </div>
  );
}

/** One consumer: its name, state and lag, the lag also drawn as a bar against the largest lag. */
function ConsumerRow({ consumer, maxLag }: { consumer: ConsumerHealth; maxLag: number }) {
  const tone = consumer.state === 'caught up' ? 'good' : 'warn';
  return (
    <li class="consumer">
      <span class="consumer-name">{consumer.name}</span>
      <span class={`badge ${tone}`}>{consumer.state}</span>
      <meter min={0} max={maxLag} value={consumer.lag ?? 0} aria-label={`${consumer.name} lag`} />
      <span class="consumer-lag">{consumer.lag === null ? 'lag not known' : `${consumer.lag.toLocaleString()} behind`}</span>
    </li>
  );
}

function chartSummary(data: Overview | null): string {
  if (!data) return 'Events per minute: loading';
  const last = data.per_minute.at(-1);
  return `Events per minute over the last hour: ${data.accepted_total} accepted and ${data.rejected_total} rejected in total` +
    (last ? `; last minute ${last.accepted} accepted, ${last.rejected} rejected` : '');
}
