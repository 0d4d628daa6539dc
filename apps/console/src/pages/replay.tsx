import { useState } from 'preact/hooks';
import { ApiError } from '../api';
import { REPLAY_SERVICES, replay, type ReplayPlan, type ReplayService } from '../api/operator';

/** A datetime-local value (the operator's clock, minutes) for a moment. */
function localInput(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/**
 * Operators only (issue 21, page 9): `tracking replay` from the console. A dry run shows, per
 * service and partition, where its group is, where it would go and how many records it would read
 * again, and what the service does with them; the real run is offered only for the plan just shown
 * and moves nothing while a service is running (the gateway answers 409).
 */
export function ReplayPage() {
  const [services, setServices] = useState<ReplayService[]>(['vault-loader']);
  const [from, setFrom] = useState(localInput(new Date(Date.now() - 60 * 60_000)));
  const [plan, setPlan] = useState<ReplayPlan | null>(null);
  const [planned, setPlanned] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const request = () => ({ services, from: new Date(from).toISOString() });
  const key = JSON.stringify(request());
  const toggle = (service: ReplayService, on: boolean) => setServices((current) => (on ? [...current, service].filter((s, i, all) => all.indexOf(s) === i) : current.filter((s) => s !== service)));

  const run = async (dryRun: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const { services: chosen, from: at } = request();
      const answer = await replay(chosen, at, dryRun);
      setPlan(answer);
      setPlanned(dryRun ? key : null);
    } catch (failure) {
      const details = failure instanceof ApiError && failure.details.length > 0 ? `: ${failure.details.map((d) => `${d.field} ${d.reason}`).join('; ')}` : '';
      setError(`${failure instanceof Error ? failure.message : String(failure)}${details}`);
    } finally {
      setBusy(false);
    }
  };
  const running = plan?.services.filter((service) => service.live_members > 0) ?? [];

  return (
    <section aria-labelledby="replay-title" class="replay-page">
      <div class="page-head">
        <h1 id="replay-title">Replay</h1>
        <p class="muted">Move consuming services back to a time on the log; they read the records again. Look at the dry run first.</p>
      </div>
      <form
        class="card replay-form"
        onSubmit={(event) => {
          event.preventDefault();
          void run(true);
        }}
      >
        <fieldset>
          <legend>Services</legend>
          {REPLAY_SERVICES.map((service) => (
            <label key={service} class="choice">
              <input type="checkbox" checked={services.includes(service)} onChange={(event) => toggle(service, event.currentTarget.checked)} />
              {service}
            </label>
          ))}
        </fieldset>
        <label class="replay-from">
          From (your local time)
          <input type="datetime-local" value={from} required onInput={(event) => setFrom(event.currentTarget.value)} />
        </label>
        <div class="replay-actions">
          <button type="submit" disabled={busy || services.length === 0}>
            Dry run
          </button>
          <button type="button" class="danger" disabled={busy || planned !== key || running.length > 0} onClick={() => void run(false)}>
            Replay now
          </button>
        </div>
        {planned !== key && <p class="muted">Replay now is offered for the dry run just shown.</p>}
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {plan && (
        <section class="card" aria-labelledby="plan-title">
          <h2 id="plan-title">{plan.moved ? `Moved: the groups go back to ${new Date(plan.from).toLocaleString()}` : `Dry run from ${new Date(plan.from).toLocaleString()}: nothing moved`}</h2>
          {running.length > 0 && (
            <p class="error" role="status">
              Running now: {running.map((service) => `${service.service} (${service.live_members} member(s))`).join(', ')}. Stop them before the real replay.
            </p>
          )}
          {plan.services.map((service) => (
            <article key={service.service} class="replay-service">
              <h3>
                {service.service} <span class="muted">group {service.group}</span>
              </h3>
              <p>
                <strong>{Number(service.records_read_again).toLocaleString()} records read again</strong>; {service.effect}.
              </p>
              <div class="table-scroll" tabIndex={0} role="region" aria-label={`${service.service} partitions`}>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Topic</th>
                      <th scope="col" class="num">Partition</th>
                      <th scope="col" class="num">Committed</th>
                      <th scope="col" class="num">Goes to</th>
                      <th scope="col" class="num">Records</th>
                    </tr>
                  </thead>
                  <tbody>
                    {service.topics.flatMap((topic) =>
                      topic.partitions.map((partition) => (
                        <tr key={`${topic.topic}-${partition.partition}`}>
                          <td>
                            <code>{topic.topic}</code>
                          </td>
                          <td class="num">{partition.partition}</td>
                          <td class="num">{partition.committed ?? 'none'}</td>
                          <td class="num">{partition.target}</td>
                          <td class="num">{Number(partition.records) >= 0 ? `${partition.records} again` : `${-Number(partition.records)} skipped`}</td>
                        </tr>
                      )),
                    )}
                  </tbody>
                </table>
              </div>
            </article>
          ))}
          <p class="muted">{plan.note}</p>
        </section>
      )}
    </section>
  );
}
