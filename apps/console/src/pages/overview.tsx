import { useEffect, useState } from 'preact/hooks';
import { getJson, normaliseOverview, type ConsumerHealth, type Overview, type Session } from '../api';
import { readGatewayHealth, type GatewayError, type GatewayHealth } from '../api/operator';
import { EventsChart } from '../events-chart';
import { LatencyChart } from '../latency-chart';

/** How often the page asks again: "live" within a few seconds, without loading the gateway. */
const REFRESH_MS = 5000;

/**
 * The tenant's last hour: events per minute accepted vs rejected (chart), the totals, and each
 * consumer's lag and state. Refreshes every few seconds; a failed refresh keeps the last figures on
 * screen and says so.
 */
export function OverviewPage({ session, customerId }: { session: Session; customerId?: string }) {
  const [data, setData] = useState<Overview | null>(null);
  const [gateway, setGateway] = useState<GatewayHealth | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updated, setUpdated] = useState<Date | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const raw = await getJson<unknown>('/overview', customerId);
        if (stopped) return;
        setData(normaliseOverview(raw));
        setGateway(readGatewayHealth(raw));
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
      <figure class="card">
        <figcaption>
          <h2>Gateway latency (p50 / p99)</h2>
        </figcaption>
        <div role="img" aria-label={latencySummary(gateway)}>
          <LatencyChart points={gateway?.latency ?? []} />
        </div>
      </figure>
      <section class="card" aria-labelledby="errors-title">
        <h2 id="errors-title">Last errors</h2>
        {gateway && gateway.errors.length === 0 && <p class="muted">No error answers recorded.</p>}
        <ul class="gateway-errors">
          {gateway?.errors.map((failure, index) => <ErrorRow key={`${failure.at}-${index}`} failure={failure} />)}
        </ul>
      </section>
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

/** One error answer: when, status and code, the route, the gateway's (masked) message. */
function ErrorRow({ failure }: { failure: GatewayError }) {
  return (
    <li class="gateway-error">
      <time dateTime={failure.at}>{new Date(failure.at).toLocaleTimeString()}</time>
      <span class={`badge ${failure.status >= 500 ? 'bad' : 'warn'}`}>
        {failure.status} {failure.error_code}
      </span>
      <code class="gateway-error-route">{failure.route}</code>
      <span class="gateway-error-message">{failure.message}</span>
    </li>
  );
}

function latencySummary(gateway: GatewayHealth | null): string {
  if (!gateway) return 'Gateway latency: loading';
  const requests = gateway.latency.reduce((total, point) => total + point.requests, 0);
  const last = [...gateway.latency].reverse().find((point) => point.requests > 0);
  if (!last) return 'Gateway latency over the last hour: no requests';
  return `Gateway latency over the last hour: ${requests} requests; last busy minute p50 ${last.p50 ?? '–'} ms, p99 ${last.p99 ?? '–'} ms`;
}
