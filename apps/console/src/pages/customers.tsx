import { useEffect, useState } from 'preact/hooks';
import { navigate } from '../app';
import { customerHealth, type CustomerHealth } from '../api/operator';
import { Sparkline } from '../sparkline';
import type { PageProps } from './index';

const REFRESH_MS = 15_000;

const rate = (value: number | null): string => (value === null ? '–' : `${Math.round(value * 1000) / 10} %`);
const ms = (value: number | null): string => (value === null ? '–' : `${value} ms`);
const when = (value: string | null): string => (value ? new Date(value).toLocaleString() : 'never');

/**
 * Operators only (issue 21, page 9): every customer with its volume and health: events of the last
 * hour (a sparkline per minute), day and week, the gateway's error rate and p99, and a state with its
 * reason. Picking a customer makes it the one the other pages read, and opens its Overview.
 */
export function CustomersPage({ customerId, onPickCustomer }: PageProps) {
  const [rows, setRows] = useState<CustomerHealth[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const next = await customerHealth();
        if (stopped) return;
        setRows(next);
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
  }, []);

  const pick = (id: string) => {
    onPickCustomer?.(id);
    navigate('/console/overview');
  };
  const counts = rows ? { ok: rows.filter((row) => row.state === 'ok').length, quiet: rows.filter((row) => row.state === 'quiet').length, failing: rows.filter((row) => row.state === 'failing').length } : null;

  return (
    <section aria-labelledby="customers-title" class="customers-page">
      <div class="page-head">
        <h1 id="customers-title">Customers</h1>
        <p class="muted">
          {counts ? `${rows?.length} customers: ${counts.ok} ok, ${counts.quiet} quiet, ${counts.failing} failing` : 'Loading…'} · pick one to read its pages
        </p>
      </div>
      {error && (
        <p class="error" role="alert">
          Could not load the customers: {error}
        </p>
      )}
      <div class="card table-scroll" tabIndex={0} role="region" aria-label="Customers and their health">
        <table class="customer-table">
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col">State</th>
              <th scope="col">Last hour</th>
              <th scope="col" class="num">24 h</th>
              <th scope="col" class="num">7 days</th>
              <th scope="col">Last event</th>
              <th scope="col" class="num">Errors</th>
              <th scope="col" class="num">p99</th>
            </tr>
          </thead>
          <tbody>
            {rows?.map((row) => (
              <tr key={row.customer_id} class={`customer-row ${row.state}`} aria-current={row.customer_id === customerId ? 'true' : undefined}>
                <th scope="row">
                  <button type="button" class="link" onClick={() => pick(row.customer_id)} aria-label={`Read ${row.customer_id}`}>
                    {row.customer_id}
                  </button>
                  {row.name && <span class="muted customer-name">{row.name}</span>}
                </th>
                <td>
                  <span class={`badge ${row.state === 'ok' ? 'good' : row.state === 'failing' ? 'bad' : 'warn'}`}>{row.state}</span>
                  <span class="customer-reason">{row.reason}</span>
                </td>
                <td class="volume">
                  <Sparkline values={row.events_per_minute} />
                  <span>
                    {row.events_last_hour.toLocaleString()} ({row.accepted_last_hour.toLocaleString()} accepted, {row.rejected_last_hour.toLocaleString()} rejected)
                  </span>
                </td>
                <td class="num">{row.events_last_24_hours.toLocaleString()}</td>
                <td class="num">{row.events_last_7_days.toLocaleString()}</td>
                <td>{when(row.last_event_at)}</td>
                <td class="num">
                  {rate(row.gateway.error_rate)}
                  <span class="muted"> of {row.gateway.requests.toLocaleString()}</span>
                </td>
                <td class="num">{ms(row.gateway.p99_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows && rows.length === 0 && <p class="muted">No customer is configured.</p>}
      </div>
    </section>
  );
}
