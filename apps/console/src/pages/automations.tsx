import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type FieldProblem, type Session } from '../api';
import { loadWorkflows, saveWorkflows, validateWorkflows, type WorkflowsDocument } from '../api/automations';
import { DeliveriesPanel } from '../automations/deliveries-panel';
import { TryPanel } from '../automations/try-panel';
import { WorkflowEditor } from '../automations/workflow-editor';
import { documentOf, draftsOf, emptyDraft, placeProblems, type WorkflowDraft } from '../automations/workflow-drafts';

/** How long the editor waits after the last keystroke before asking the gateway to check the document. */
const CHECK_DELAY_MS = 350;

const message = (failure: unknown) => (failure instanceof Error ? failure.message : String(failure));

/**
 * Automations (issue 21, page 5): the tenant's workflows in a form that the automation trigger
 * checks as you type (its own check, through POST /console/api/automations/workflows/validate),
 * each error shown under its field before anything is saved; saving runs the same check again and
 * writes nothing unless all is valid. Then a sample event tried on the workflows being edited, and
 * the deliveries with every attempt and a redeliver button.
 *
 * A form rather than a YAML textarea: an error path like workflows[0].filters.url_path.prefix maps
 * onto one input, so the message sits beside the field, and a screen reader announces it with the
 * field (aria-describedby). Fields the form does not show are kept as saved, so the check still
 * names them (shown at the top of their workflow).
 */
export function AutomationsPage({ session, customerId }: { session: Session; customerId?: string }) {
  const canSave = session.role === 'operator' || session.scopes.includes('admin');
  const [saved, setSaved] = useState<WorkflowsDocument | null>(null);
  const [drafts, setDrafts] = useState<WorkflowDraft[]>([]);
  const [selected, setSelected] = useState(0);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [checked, setChecked] = useState<'idle' | 'checking' | 'valid' | 'invalid'>('idle');
  const [dirty, setDirty] = useState(false);
  const [notice, setNotice] = useState<{ tone: 'good' | 'bad'; text: string } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const generation = useRef(0);

  const reload = async () => {
    // An answer to a check of the edits being thrown away must not come back over the saved workflows.
    generation.current++;
    try {
      const document = await loadWorkflows(customerId);
      setNotice(null);
      setSaved(document);
      setDrafts(draftsOf(document));
      setSelected(0);
      setProblems([]);
      setChecked('idle');
      setDirty(false);
      setLoadError(null);
    } catch (failure) {
      setLoadError(message(failure));
    }
  };

  useEffect(() => {
    void reload();
  }, [customerId]);

  // Checks the document a moment after each edit; an answer to an older edit is ignored.
  useEffect(() => {
    if (!dirty) return;
    const mine = ++generation.current;
    setChecked('checking');
    const timer = setTimeout(() => {
      validateWorkflows(documentOf(drafts), customerId).then(
        (check) => {
          if (mine !== generation.current) return;
          setProblems(check.errors);
          setChecked(check.valid ? 'valid' : 'invalid');
        },
        (failure: unknown) => {
          if (mine !== generation.current) return;
          setChecked('idle');
          setNotice({ tone: 'bad', text: `Could not check the workflows: ${message(failure)}` });
        },
      );
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [drafts, dirty]);

  const edit = (index: number, next: WorkflowDraft) => {
    setDrafts(drafts.map((draft, at) => (at === index ? next : draft)));
    setDirty(true);
    setNotice(null);
  };
  const add = () => {
    setDrafts([...drafts, emptyDraft(drafts.length)]);
    setSelected(drafts.length);
    setDirty(true);
  };
  const remove = (index: number) => {
    setDrafts(drafts.filter((_, at) => at !== index));
    setSelected(Math.max(0, Math.min(selected, drafts.length - 2)));
    setDirty(true);
  };
  const save = async () => {
    // The last check found fields to fix: saving would be refused with the same errors, so say so
    // here. (Before any check has answered, the gateway decides: it runs the same check and writes nothing.)
    if (checked === 'invalid') {
      setNotice({ tone: 'bad', text: `Not saved: ${problems.length} field(s) to fix. Nothing was changed.` });
      return;
    }
    setSaving(true);
    setNotice(null);
    generation.current++;
    try {
      const result = await saveWorkflows(documentOf(drafts), customerId);
      await reload();
      setNotice({ tone: 'good', text: `Saved: ${result.workflows.length} workflow(s) in force.` });
    } catch (failure) {
      if (failure instanceof ApiError && failure.details.length > 0) {
        setProblems(failure.details);
        setChecked('invalid');
        setNotice({ tone: 'bad', text: `Not saved: ${failure.details.length} field(s) to fix. Nothing was changed.` });
      } else setNotice({ tone: 'bad', text: `Not saved: ${message(failure)}` });
    } finally {
      setSaving(false);
    }
  };

  const placed = placeProblems(problems, drafts);
  const documentProblems = placed.filter((problem) => problem.workflow === null || problem.workflow >= drafts.length);
  const current = drafts[selected];

  return (
    <section aria-labelledby="automations-title" class="automations">
      <div class="page-head">
        <h1 id="automations-title">Automations</h1>
        <p class="muted">Workflows fire on matching events, at most once per idempotency key, and call their webhook.</p>
      </div>
      {loadError && (
        <p class="error" role="alert">
          Could not load the workflows: {loadError}
        </p>
      )}

      <section class="card" aria-labelledby="workflows-title">
        <div class="card-head">
          <h2 id="workflows-title">Workflows</h2>
          <span class={`check-state ${checked}`} role="status" aria-live="polite">
            {checked === 'checking' ? 'Checking…' : checked === 'valid' ? 'All fields valid' : checked === 'invalid' ? `${problems.length} field(s) to fix` : dirty ? '' : 'Saved'}
          </span>
        </div>
        {saved && drafts.length === 0 && <p class="muted">No workflows yet.</p>}
        <div class="workflow-layout">
          <ul class="workflow-list" aria-label="Workflows">
            {drafts.map((draft, index) => {
              const count = placed.filter((problem) => problem.workflow === index).length;
              return (
                <li key={index}>
                  <button type="button" class={`workflow-item ${index === selected ? 'selected' : ''}`} aria-pressed={index === selected} onClick={() => setSelected(index)}>
                    <span class="workflow-id">{draft.id || '(no id)'}</span>
                    <span class="muted">{draft.trigger}</span>
                    {!draft.enabled && <span class="badge">off</span>}
                    {count > 0 && <span class="badge bad">{count} to fix</span>}
                  </button>
                </li>
              );
            })}
            <li>
              <button type="button" class="secondary" onClick={add}>
                Add workflow
              </button>
            </li>
          </ul>
          {current && <WorkflowEditor key={selected} index={selected} draft={current} problems={placed.filter((problem) => problem.workflow === selected)} onChange={(next) => edit(selected, next)} onRemove={() => remove(selected)} />}
        </div>
        {documentProblems.length > 0 && (
          <ul class="field-errors" aria-label="Problems of the document">
            {documentProblems.map((problem) => (
              <li key={`${problem.field}-${problem.reason}`} class="field-error">
                {problem.field} {problem.reason}
              </li>
            ))}
          </ul>
        )}
        {notice && (
          <p class={notice.tone === 'bad' ? 'error' : 'success'} role={notice.tone === 'bad' ? 'alert' : 'status'}>
            {notice.text}
          </p>
        )}
        <div class="actions">
          <button type="button" disabled={!canSave || saving || !dirty} onClick={() => void save()}>
            {saving ? 'Saving…' : 'Save workflows'}
          </button>
          <button type="button" class="secondary" disabled={!dirty || saving} onClick={() => void reload()}>
            Discard changes
          </button>
          {!canSave && <span class="muted">Saving needs a token with the admin scope.</span>}
        </div>
      </section>

      <TryPanel customerId={customerId} document={documentOf(drafts)} edited={dirty} />
      <DeliveriesPanel customerId={customerId} canRedeliver={canSave} />
    </section>
  );
}
