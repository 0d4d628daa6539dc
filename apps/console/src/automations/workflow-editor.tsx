import type { ComponentChildren } from 'preact';
import { TRIGGERS, type FieldSlot, type PathKind, type PlacedProblem, type PropertyDraft, type PropertyOperator, type WorkflowDraft } from './workflow-drafts';

interface EditorProps {
  index: number;
  draft: WorkflowDraft;
  problems: PlacedProblem[];
  onChange: (next: WorkflowDraft) => void;
  onRemove: () => void;
}

/** One labelled input with the errors of its field under it, tied to it by aria-describedby. */
function Field({ id, label, problems, children, hint }: { id: string; label: string; problems: PlacedProblem[]; children: (described: string | undefined, invalid: boolean) => ComponentChildren; hint?: string }) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const described = [hint ? hintId : '', problems.length > 0 ? errorId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field ${problems.length > 0 ? 'invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children(described, problems.length > 0)}
      {hint && (
        <span id={hintId} class="hint">
          {hint}
        </span>
      )}
      {problems.length > 0 && (
        <p id={errorId} class="field-error">
          {problems.map((problem) => `${problem.field} ${problem.reason}`).join('; ')}
        </p>
      )}
    </div>
  );
}

const OPERATORS: Array<[PropertyOperator, string]> = [
  ['equals', 'equals'],
  ['one_of', 'is one of'],
  ['exists', 'is present'],
  ['absent', 'is absent'],
];

/** The form of one workflow: id, trigger, on/off, its filters and its webhook. */
export function WorkflowEditor({ index, draft, problems, onChange, onRemove }: EditorProps) {
  const at = (slot: FieldSlot) => problems.filter((problem) => problem.slot === slot);
  const set = <K extends keyof WorkflowDraft>(key: K, value: WorkflowDraft[K]) => onChange({ ...draft, [key]: value });
  const setProperty = (row: number, next: PropertyDraft) => set('properties', draft.properties.map((property, i) => (i === row ? next : property)));
  const prefix = `wf${index}`;
  const general = at('general');

  return (
    <fieldset class="workflow-editor">
      <legend>Workflow {draft.id || index + 1}</legend>
      {general.length > 0 && (
        <ul class="field-errors" aria-label="Problems of this workflow">
          {general.map((problem) => (
            <li key={problem.field} class="field-error">
              {problem.field} {problem.reason}
            </li>
          ))}
        </ul>
      )}
      <div class="field-grid">
        <Field id={`${prefix}-id`} label="Id" problems={at('id')} hint="Lower-case letters, digits, _ and -">
          {(described, invalid) => <input id={`${prefix}-id`} value={draft.id} aria-describedby={described} aria-invalid={invalid} onInput={(event) => set('id', event.currentTarget.value)} />}
        </Field>
        <Field id={`${prefix}-trigger`} label="Trigger" problems={at('trigger')}>
          {(described, invalid) => (
            <select id={`${prefix}-trigger`} value={draft.trigger} aria-describedby={described} aria-invalid={invalid} onChange={(event) => set('trigger', event.currentTarget.value)}>
              {TRIGGERS.map((trigger) => (
                <option key={trigger} value={trigger}>
                  {trigger === 'site_page_view' ? 'Page view (site_page_view)' : 'Any other event (site_custom_event)'}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div class={`field check ${at('enabled').length > 0 ? 'invalid' : ''}`}>
          <label>
            <input type="checkbox" checked={draft.enabled} onChange={(event) => set('enabled', event.currentTarget.checked)} /> Enabled
          </label>
        </div>
      </div>

      <h3>Filters</h3>
      <div class="field-grid">
        <Field id={`${prefix}-path`} label="URL path" problems={at('path')} hint="Exact path, prefix, or glob (* within a segment, ** across)">
          {(described, invalid) => (
            <div class="inline">
              <select aria-label="URL path match" value={draft.pathKind} onChange={(event) => set('pathKind', event.currentTarget.value as PathKind)}>
                <option value="">any path</option>
                <option value="exact">is exactly</option>
                <option value="prefix">starts with</option>
                <option value="glob">matches glob</option>
              </select>
              <input id={`${prefix}-path`} value={draft.path} disabled={draft.pathKind === ''} aria-describedby={described} aria-invalid={invalid} onInput={(event) => set('path', event.currentTarget.value)} />
            </div>
          )}
        </Field>
        <Field id={`${prefix}-names`} label="Event names" problems={at('eventNames')} hint="Comma-separated; empty: any name">
          {(described, invalid) => <input id={`${prefix}-names`} value={draft.eventNames} aria-describedby={described} aria-invalid={invalid} onInput={(event) => set('eventNames', event.currentTarget.value)} />}
        </Field>
      </div>

      <div class="properties">
        <span class="label">Properties</span>
        {draft.properties.length === 0 && <p class="muted">No property filter.</p>}
        {draft.properties.map((property, row) => {
          const rowProblems = at(`property:${row}`);
          const id = `${prefix}-prop${row}`;
          return (
            <div key={row} class={`property-row ${rowProblems.length > 0 ? 'invalid' : ''}`}>
              <input aria-label={`Property ${row + 1} name`} value={property.name} onInput={(event) => setProperty(row, { ...property, name: event.currentTarget.value })} />
              <select aria-label={`Property ${row + 1} test`} value={property.operator} onChange={(event) => setProperty(row, { ...property, operator: event.currentTarget.value as PropertyOperator })}>
                {OPERATORS.map(([value, text]) => (
                  <option key={value} value={value}>
                    {text}
                  </option>
                ))}
              </select>
              <input
                id={id}
                aria-label={`Property ${row + 1} value`}
                value={property.value}
                disabled={property.operator === 'exists' || property.operator === 'absent'}
                aria-describedby={rowProblems.length > 0 ? `${id}-error` : undefined}
                aria-invalid={rowProblems.length > 0}
                onInput={(event) => setProperty(row, { ...property, value: event.currentTarget.value })}
              />
              <button type="button" class="secondary small" aria-label={`Remove property ${row + 1}`} onClick={() => set('properties', draft.properties.filter((_, i) => i !== row))}>
                Remove
              </button>
              {rowProblems.length > 0 && (
                <p id={`${id}-error`} class="field-error">
                  {rowProblems.map((problem) => `${problem.field} ${problem.reason}`).join('; ')}
                </p>
              )}
            </div>
          );
        })}
        <button type="button" class="secondary small" onClick={() => set('properties', [...draft.properties, { name: '', operator: 'equals', value: '' }])}>
          Add property filter
        </button>
      </div>

      <h3>Webhook</h3>
      <div class="field-grid">
        <Field id={`${prefix}-url`} label="Webhook URL" problems={at('webhookUrl')} hint="Empty: the trigger is only published to automation.triggers.v1">
          {(described, invalid) => <input id={`${prefix}-url`} type="url" value={draft.webhookUrl} aria-describedby={described} aria-invalid={invalid} onInput={(event) => set('webhookUrl', event.currentTarget.value)} />}
        </Field>
        <Field id={`${prefix}-secret`} label="Secret variable" problems={at('secretEnv')} hint="The environment variable holding the whsec_ secret; two, comma-separated, while rotating">
          {(described, invalid) => <input id={`${prefix}-secret`} value={draft.secretEnv} aria-describedby={described} aria-invalid={invalid} onInput={(event) => set('secretEnv', event.currentTarget.value)} />}
        </Field>
      </div>
      <div class="actions">
        <button type="button" class="secondary small" onClick={onRemove}>
          Remove this workflow
        </button>
      </div>
    </fieldset>
  );
}
