/**
 * The workflows editor's model: each workflow as the form's fields (drafts), turned into the
 * document the gateway checks and saves, and back. The form writes only what a user typed, so the
 * automation trigger's check (never one of ours) says what is wrong, and its error paths
 * (`workflows[0].filters.url_path.prefix`) are mapped back to the field they concern.
 */
import type { FieldProblem } from '../api';
import type { WorkflowsDocument } from '../api/automations';

export type PathKind = '' | 'exact' | 'prefix' | 'glob';
export type PropertyOperator = 'equals' | 'one_of' | 'exists' | 'absent';

export interface PropertyDraft {
  name: string;
  operator: PropertyOperator;
  /** The value (equals), comma-separated values (one_of); unused for exists/absent. */
  value: string;
}

export interface WorkflowDraft {
  id: string;
  trigger: string;
  enabled: boolean;
  pathKind: PathKind;
  path: string;
  /** Comma-separated event names; empty: any name. */
  eventNames: string;
  properties: PropertyDraft[];
  webhookUrl: string;
  /** Comma-separated environment variable names (two while rotating). */
  secretEnv: string;
  /** Fields of the saved workflow this form does not show (kept as they were). */
  extra: Record<string, unknown>;
  /** Filters of the saved workflow this form does not show (kept, so the check can name them). */
  extraFilters: Record<string, unknown>;
}

export const TRIGGERS = ['site_page_view', 'site_custom_event'] as const;

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value);
const listText = (value: unknown): string => (Array.isArray(value) ? value.map(String).join(', ') : typeof value === 'string' ? value : '');
const splitList = (text: string): string[] => text.split(',').map((item) => item.trim()).filter((item) => item !== '');

export function emptyDraft(index: number): WorkflowDraft {
  return { id: `workflow_${index + 1}`, trigger: 'site_page_view', enabled: true, pathKind: '', path: '', eventNames: '', properties: [], webhookUrl: '', secretEnv: '', extra: {}, extraFilters: {} };
}

function propertyDraft(name: string, value: unknown): PropertyDraft {
  if (!isObject(value)) return { name, operator: 'equals', value: String(value) };
  if ('one_of' in value) return { name, operator: 'one_of', value: listText(value['one_of']) };
  if ('exists' in value) return { name, operator: value['exists'] === false ? 'absent' : 'exists', value: '' };
  return { name, operator: 'equals', value: String(value['equals'] ?? '') };
}

/** A saved workflow as the form's fields. */
export function draftOf(workflow: unknown, index: number): WorkflowDraft {
  if (!isObject(workflow)) return emptyDraft(index);
  const { id, trigger, enabled, filters, webhook, ...extra } = workflow;
  const { url_path: urlPath, event_name: eventName, properties, ...extraFilters } = isObject(filters) ? filters : {};
  let pathKind: PathKind = '';
  let path = '';
  if (typeof urlPath === 'string') [pathKind, path] = ['exact', urlPath];
  else if (isObject(urlPath)) {
    const [kind, value] = Object.entries(urlPath)[0] ?? [];
    if (kind === 'exact' || kind === 'prefix' || kind === 'glob') [pathKind, path] = [kind, String(value ?? '')];
  }
  const hook = isObject(webhook) ? webhook : {};
  return {
    id: typeof id === 'string' ? id : '',
    trigger: typeof trigger === 'string' ? trigger : 'site_page_view',
    enabled: enabled !== false,
    pathKind,
    path,
    eventNames: listText(eventName),
    properties: isObject(properties) ? Object.entries(properties).map(([name, value]) => propertyDraft(name, value)) : [],
    webhookUrl: typeof hook['url'] === 'string' ? hook['url'] : '',
    secretEnv: listText(hook['secret_env']),
    extra,
    extraFilters,
  };
}

export function draftsOf(document: WorkflowsDocument): WorkflowDraft[] {
  return (document.workflows ?? []).map(draftOf);
}

/** The form's fields as a workflow of the document: only what was filled in. */
export function workflowOf(draft: WorkflowDraft): Loose {
  const filters: Loose = { ...draft.extraFilters };
  if (draft.pathKind !== '') filters['url_path'] = { [draft.pathKind]: draft.path };
  const names = splitList(draft.eventNames);
  if (names.length > 0) filters['event_name'] = names.length === 1 ? names[0] : names;
  if (draft.properties.length > 0) {
    filters['properties'] = Object.fromEntries(
      draft.properties.map((property) => {
        if (property.operator === 'exists' || property.operator === 'absent') return [property.name, { exists: property.operator === 'exists' }];
        if (property.operator === 'one_of') return [property.name, { one_of: splitList(property.value) }];
        return [property.name, { equals: property.value }];
      }),
    );
  }
  const workflow: Loose = { ...draft.extra, id: draft.id, trigger: draft.trigger };
  if (!draft.enabled) workflow['enabled'] = false;
  if (Object.keys(filters).length > 0) workflow['filters'] = filters;
  if (draft.webhookUrl !== '' || draft.secretEnv !== '') {
    const secrets = splitList(draft.secretEnv);
    workflow['webhook'] = { url: draft.webhookUrl, secret_env: secrets.length === 1 ? secrets[0] : secrets };
  }
  return workflow;
}

export function documentOf(drafts: readonly WorkflowDraft[]): WorkflowsDocument {
  return { workflows: drafts.map(workflowOf) };
}

/** Which input of a workflow's form an error concerns; `general` when none shows that field. */
export type FieldSlot = 'id' | 'trigger' | 'enabled' | 'path' | 'eventNames' | 'webhookUrl' | 'secretEnv' | `property:${number}` | 'general';

export interface PlacedProblem extends FieldProblem {
  workflow: number | null;
  slot: FieldSlot;
}

/** Places each error next to its field: `workflows[2].filters.properties.plan` on workflow 2's row for plan. */
export function placeProblems(problems: readonly FieldProblem[], drafts: readonly WorkflowDraft[]): PlacedProblem[] {
  return problems.map((problem) => {
    const match = /^workflows\[(\d+)\](?:\.(.*))?$/.exec(problem.field);
    if (!match) return { ...problem, workflow: null, slot: 'general' };
    const workflow = Number(match[1]);
    const rest = match[2] ?? '';
    const slot = ((): FieldSlot => {
      if (rest === 'id') return 'id';
      if (rest === 'trigger') return 'trigger';
      if (rest === 'enabled') return 'enabled';
      if (rest === 'filters.url_path' || rest.startsWith('filters.url_path.')) return 'path';
      if (rest === 'filters.event_name' || rest.startsWith('filters.event_name[')) return 'eventNames';
      if (rest === 'webhook.url') return 'webhookUrl';
      if (rest === 'webhook.secret_env' || rest.startsWith('webhook.secret_env[')) return 'secretEnv';
      if (rest.startsWith('filters.properties.')) {
        const name = rest.slice('filters.properties.'.length);
        const row = drafts[workflow]?.properties.findIndex((property) => property.name === name) ?? -1;
        if (row >= 0) return `property:${row}`;
      }
      return 'general';
    })();
    return { ...problem, workflow, slot };
  });
}
