import { useState } from 'preact/hooks';
import { ApiError } from '../api';
import { tryWorkflows, type TrialOutcome, type WorkflowsDocument } from '../api/automations';

/**
 * A sample event tried on the workflows as they stand in the editor (saved or not): the gateway
 * runs it through its ingestion pipeline, the automation trigger through the matcher production
 * uses, and each workflow says whether it fires or which filter stopped it. Nothing fires.
 */
export function TryPanel({ customerId, document, edited }: { customerId?: string; document: WorkflowsDocument; edited: boolean }) {
  const [eventType, setEventType] = useState('page_view');
  const [eventName, setEventName] = useState('');
  const [pageUrl, setPageUrl] = useState('https://www.example.com/landing/spring?utm_campaign=holiday_2024');
  const [properties, setProperties] = useState('{}');
  const [outcome, setOutcome] = useState<TrialOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (submit: Event) => {
    submit.preventDefault();
    setError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(properties || '{}');
    } catch {
      setError('Properties must be a JSON object, e.g. {"plan": "pro"}');
      return;
    }
    setBusy(true);
    try {
      const event: Record<string, unknown> = { event_type: eventType, consent_state: 'granted', properties: parsed };
      if (eventName) event['event_name'] = eventName;
      if (pageUrl) event['page_url'] = pageUrl;
      setOutcome(await tryWorkflows(event, document, customerId));
    } catch (failure) {
      setOutcome(null);
      setError(failure instanceof ApiError && failure.details.length > 0 ? failure.details.map((problem) => `${problem.field} ${problem.reason}`).join('; ') : failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="try-title">
      <h2 id="try-title">Try against a sample event</h2>
      <p class="muted">On the workflows {edited ? 'as edited above (not saved)' : 'as saved'}; nothing is recorded or delivered.</p>
      <form class="try-form" onSubmit={(event) => void run(event)}>
        <label>
          Event type
          <input value={eventType} onInput={(event) => setEventType(event.currentTarget.value)} />
        </label>
        <label>
          Event name
          <input value={eventName} onInput={(event) => setEventName(event.currentTarget.value)} />
        </label>
        <label class="wide">
          Page URL
          <input value={pageUrl} onInput={(event) => setPageUrl(event.currentTarget.value)} />
        </label>
        <label class="wide">
          Properties (JSON)
          <textarea rows={2} value={properties} onInput={(event) => setProperties(event.currentTarget.value)} />
        </label>
        <div class="actions wide">
          <button type="submit" disabled={busy}>
            {busy ? 'Trying…' : 'Try the sample'}
          </button>
        </div>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {outcome && (
        <div class="trial" role="status" aria-live="polite">
          {outcome.dropped && <p class="muted">The gateway would drop this event ({outcome.dropped}): nothing fires.</p>}
          {outcome.accepted && outcome.results.length === 0 && <p class="muted">No workflow to try.</p>}
          <ul class="verdicts">
            {outcome.results.map((result) => (
              <li key={result.workflow_id} class={result.fires ? 'fires' : 'misses'}>
                <span class="workflow-id">{result.workflow_id}</span>{' '}
                {result.fires ? (
                  <span class="badge good">fires</span>
                ) : (
                  <>
                    <span class="badge bad">does not fire</span> <span class="reason">{result.failed_filter}: {result.reason}</span>
                  </>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
