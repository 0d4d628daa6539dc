import { parseEventData, triggerTypeOf, type TrackingEvent, type TriggerType } from '@tracking/contracts';
import type { PathFilter, PropertyFilter, Workflow } from './workflow';

interface Bucket {
  /** Workflows that name event names, by name. */
  byName: Map<string, Workflow[]>;
  /** Workflows for any name. */
  anyName: Workflow[];
}

const UTM_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;

/** What property filters see: event_data, with the event's UTM fields where event_data lacks them. */
export function eventProperties(event: TrackingEvent): Record<string, unknown> {
  const properties: Record<string, unknown> = { ...parseEventData(event) };
  for (const field of UTM_FIELDS) if (properties[field] === undefined && event[field] !== null) properties[field] = event[field];
  return properties;
}

function pathOf(pageUrl: string | null): string | null {
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

/**
 * Workflows indexed by customer, trigger type and event name, so an event is checked only against
 * the workflows that could fire for it: cost follows the matching candidates, not every rule.
 */
export class WorkflowIndex {
  private readonly buckets = new Map<string, Bucket>();

  constructor(workflows: readonly Workflow[]) {
    for (const workflow of workflows) {
      const key = `${workflow.customerId}\u0000${workflow.trigger}`;
      let bucket = this.buckets.get(key);
      if (!bucket) this.buckets.set(key, (bucket = { byName: new Map(), anyName: [] }));
      if (!workflow.eventNames) bucket.anyName.push(workflow);
      else for (const name of workflow.eventNames) bucket.byName.set(name, [...(bucket.byName.get(name) ?? []), workflow]);
    }
  }

  get size(): number {
    return [...this.buckets.values()].reduce((sum, bucket) => sum + bucket.anyName.length + [...bucket.byName.values()].flat().length, 0);
  }

  match(event: TrackingEvent): Workflow[] {
    const type: TriggerType = triggerTypeOf(event);
    const bucket = this.buckets.get(`${event.customer_id}\u0000${type}`);
    if (!bucket) return [];
    const candidates = [...bucket.anyName, ...(event.event_name === null ? [] : (bucket.byName.get(event.event_name) ?? []))];
    if (candidates.length === 0) return [];
    const path = pathOf(event.page_url);
    let properties: Record<string, unknown> | undefined;
    return candidates.filter((workflow) => {
      if (workflow.path) {
        if (path === null) return false;
        if (!pathMatches(workflow.path, path)) return false;
      }
      if (workflow.properties.length === 0) return true;
      properties ??= eventProperties(event);
      const values = properties;
      return workflow.properties.every(([name, filter]) => propertyMatches(filter, values[name]));
    });
  }
}
