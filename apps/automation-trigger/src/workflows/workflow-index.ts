import { parseEventData, triggerTypeOf, type TrackingEvent, type TriggerType } from '@tracking/contracts';
import type { PathFilter, PropertyFilter, Workflow } from '@tracking/customers';
import { FilterIndex, type IndexEntry } from './filter-index';

interface Bucket {
  /** Workflows that name event names, by name. */
  byName: Map<string, FilterIndex>;
  /** Workflows for any name. */
  anyName: FilterIndex;
}

const UTM_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;

/** What property filters see: event_data, with the event's UTM fields where event_data lacks them. */
export function eventProperties(event: TrackingEvent): Record<string, unknown> {
  const properties: Record<string, unknown> = { ...parseEventData(event) };
  for (const field of UTM_FIELDS) if (properties[field] === undefined && event[field] !== null) properties[field] = event[field];
  return properties;
}

/** The path of an event's page URL, which path filters are matched against (null without one). */
export function pathOf(pageUrl: string | null): string | null {
  if (!pageUrl) return null;
  try {
    return new URL(pageUrl).pathname;
  } catch {
    return null;
  }
}

function pathMatches(filter: PathFilter, path: string): boolean {
  if (filter.kind === 'glob') return filter.pattern.test(path);
  return filter.kind === 'exact' ? path === filter.value : path.startsWith(filter.value);
}

function propertyMatches(filter: PropertyFilter, value: unknown): boolean {
  const present = value !== undefined && value !== null;
  if (filter.kind === 'exists') return present === filter.value;
  if (!present || typeof value === 'object') return false;
  return filter.kind === 'equals' ? String(value) === filter.value : filter.values.includes(String(value));
}

/** The first filter of a workflow an event does not pass: its field (as in the workflows document) and why. */
export interface FailedFilter {
  field: 'customer' | 'trigger' | 'filters.event_name' | 'filters.url_path' | `filters.properties.${string}`;
  reason: string;
}

const shown = (value: unknown): string => (value === undefined || value === null ? 'absent' : JSON.stringify(value));

function propertyReason(filter: PropertyFilter, value: unknown): string {
  if (filter.kind === 'exists') return filter.value ? 'is absent, and must be present' : `is ${shown(value)}, and must be absent`;
  const wanted = filter.kind === 'equals' ? `must equal ${JSON.stringify(filter.value)}` : `must be one of ${filter.values.map((item) => JSON.stringify(item)).join(', ')}`;
  return typeof value === 'object' && value !== null ? `is an object or list, and ${wanted}` : `is ${shown(value)}, and ${wanted}`;
}

/**
 * The first filter of a workflow an event does not pass, with what was compared: found without
 * building any text, since the matcher runs this on every candidate and most candidates miss.
 */
type Miss =
  | { field: 'customer' | 'filters.event_name' }
  | { field: 'trigger'; type: TriggerType }
  | { field: 'filters.url_path'; filter: PathFilter; path: string | null }
  | { field: 'property'; name: string; filter: PropertyFilter; value: unknown };

/**
 * Checks one workflow's filters against an event, in the order the matcher applies them: the one
 * definition of "this workflow fires for this event" (undefined: it fires). WorkflowIndex.match keeps
 * the candidates its indexes find only when this finds no miss, and failedFilter explains a miss
 * from it for the admin API's try-a-sample route, so the explanation cannot drift from production.
 * `properties` is asked for only when a property filter is reached (parsing event_data costs).
 */
function firstMiss(workflow: Workflow, event: TrackingEvent, path: string | null, properties: () => Record<string, unknown>): Miss | undefined {
  if (workflow.customerId !== event.customer_id) return { field: 'customer' };
  const type = triggerTypeOf(event);
  if (type !== workflow.trigger) return { field: 'trigger', type };
  if (workflow.eventNames && (event.event_name === null || !workflow.eventNames.has(event.event_name))) return { field: 'filters.event_name' };
  if (workflow.path && (path === null || !pathMatches(workflow.path, path))) return { field: 'filters.url_path', filter: workflow.path, path };
  if (workflow.properties.length === 0) return undefined;
  const values = properties();
  for (const [name, filter] of workflow.properties) {
    if (!propertyMatches(filter, values[name])) return { field: 'property', name, filter, value: values[name] };
  }
  return undefined;
}

/** The first filter of a workflow an event does not pass, and why in words (undefined: it fires). */
export function failedFilter(workflow: Workflow, event: TrackingEvent): FailedFilter | undefined {
  const miss = firstMiss(workflow, event, pathOf(event.page_url), () => eventProperties(event));
  switch (miss?.field) {
    case undefined:
      return undefined;
    case 'customer':
      return { field: 'customer', reason: `the event is of customer ${event.customer_id}, the workflow of ${workflow.customerId}` };
    case 'trigger':
      return { field: 'trigger', reason: `the event (event_type ${event.event_type}) is a ${miss.type}, and the workflow fires on ${workflow.trigger}` };
    case 'filters.event_name':
      return { field: 'filters.event_name', reason: `event_name is ${shown(event.event_name)}, and must be ${[...(workflow.eventNames ?? [])].map((name) => JSON.stringify(name)).join(' or ')}` };
    case 'filters.url_path':
      return {
        field: 'filters.url_path',
        reason: miss.path === null ? 'the event has no page_url with a path' : `the path ${JSON.stringify(miss.path)} does not match ${miss.filter.kind} ${JSON.stringify(miss.filter.value)}`,
      };
    case 'property':
      return { field: `filters.properties.${miss.name}`, reason: `${miss.name} ${propertyReason(miss.filter, miss.value)}` };
  }
}

/**
 * Workflows indexed by customer, trigger type, event name, then path or property value (FilterIndex),
 * so an event is checked only against the workflows that could fire for it: cost follows the
 * candidates, not every rule.
 */
export class WorkflowIndex {
  private readonly buckets = new Map<string, Bucket>();

  constructor(workflows: readonly Workflow[]) {
    for (const [order, workflow] of workflows.entries()) {
      const key = `${workflow.customerId}\u0000${workflow.trigger}`;
      let bucket = this.buckets.get(key);
      if (!bucket) this.buckets.set(key, (bucket = { byName: new Map(), anyName: new FilterIndex() }));
      if (!workflow.eventNames) bucket.anyName.add({ workflow, order });
      else {
        for (const name of workflow.eventNames) {
          let byFilter = bucket.byName.get(name);
          if (!byFilter) bucket.byName.set(name, (byFilter = new FilterIndex()));
          byFilter.add({ workflow, order });
        }
      }
    }
  }

  match(event: TrackingEvent): Workflow[] {
    const type: TriggerType = triggerTypeOf(event);
    const bucket = this.buckets.get(`${event.customer_id}\u0000${type}`);
    if (!bucket) return [];
    const path = pathOf(event.page_url);
    let properties: Record<string, unknown> | undefined;
    const propertiesOnce = () => (properties ??= eventProperties(event));
    const candidates: IndexEntry[] = [];
    bucket.anyName.candidates(path, propertiesOnce, candidates);
    if (event.event_name !== null) bucket.byName.get(event.event_name)?.candidates(path, propertiesOnce, candidates);
    return candidates
      .filter(({ workflow }) => firstMiss(workflow, event, path, propertiesOnce) === undefined)
      .sort((a, b) => a.order - b.order)
      .map(({ workflow }) => workflow);
  }
}
