import { parseEventData, triggerTypeOf, type TrackingEvent, type TriggerType } from '@tracking/contracts';
import type { PathFilter, PropertyFilter, Workflow } from '@tracking/customers';

/** A workflow with its place in the declaration order, so matches come back in that order. */
interface Entry {
  workflow: Workflow;
  order: number;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  entries: Entry[];
}

/**
 * The workflows of one customer, trigger type and event name, by their path filter: exact paths in a
 * map, prefixes (and the literal start of globs) in a character trie walked along the event's path,
 * so the candidates for a page view cost the length of its path, not the number of workflows.
 */
class PathIndex {
  private readonly unfiltered: Entry[] = [];
  private readonly exact = new Map<string, Entry[]>();
  private readonly root: TrieNode = { next: new Map(), entries: [] };

  add(entry: Entry): void {
    const filter = entry.workflow.path;
    if (!filter) return void this.unfiltered.push(entry);
    if (filter.kind === 'exact') {
      const entries = this.exact.get(filter.value);
      if (entries) entries.push(entry);
      else this.exact.set(filter.value, [entry]);
      return;
    }
    // A glob's text before its first wildcard is a prefix every matching path has.
    const prefix = filter.kind === 'prefix' ? filter.value : filter.value.slice(0, filter.value.search(/[*?]|$/));
    let node = this.root;
    for (const char of prefix) {
      let child = node.next.get(char);
      if (!child) node.next.set(char, (child = { next: new Map(), entries: [] }));
      node = child;
    }
    node.entries.push(entry);
  }

  /** Workflows whose path filter lets this path through (globs still to be tested), or that have none. */
  candidates(path: string | null, into: Entry[]): void {
    into.push(...this.unfiltered);
    if (path === null) return;
    into.push(...(this.exact.get(path) ?? []));
    let node: TrieNode | undefined = this.root;
    into.push(...node.entries);
    for (const char of path) {
      node = node.next.get(char);
      if (!node) break;
      into.push(...node.entries);
    }
  }
}

interface Bucket {
  /** Workflows that name event names, by name. */
  byName: Map<string, PathIndex>;
  /** Workflows for any name. */
  anyName: PathIndex;
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
 * Checks one workflow's filters against an event, in the order the matcher applies them, and says
 * which failed first: the one definition of "this workflow fires for this event". WorkflowIndex.match
 * keeps the candidates its indexes find only when this finds nothing failed, and the admin API's
 * try-a-sample route explains a miss with it, so the explanation cannot drift from production.
 * `properties` is asked for only when a property filter is reached (parsing event_data costs).
 */
export function failedFilter(
  workflow: Workflow,
  event: TrackingEvent,
  path: string | null = pathOf(event.page_url),
  properties: () => Record<string, unknown> = () => eventProperties(event),
): FailedFilter | undefined {
  if (workflow.customerId !== event.customer_id) return { field: 'customer', reason: `the event is of customer ${event.customer_id}, the workflow of ${workflow.customerId}` };
  const type = triggerTypeOf(event);
  if (type !== workflow.trigger) return { field: 'trigger', reason: `the event (event_type ${event.event_type}) is a ${type}, and the workflow fires on ${workflow.trigger}` };
  if (workflow.eventNames && (event.event_name === null || !workflow.eventNames.has(event.event_name))) {
    return { field: 'filters.event_name', reason: `event_name is ${shown(event.event_name)}, and must be ${[...workflow.eventNames].map((name) => JSON.stringify(name)).join(' or ')}` };
  }
  if (workflow.path) {
    if (path === null) return { field: 'filters.url_path', reason: 'the event has no page_url with a path' };
    if (!pathMatches(workflow.path, path)) return { field: 'filters.url_path', reason: `the path ${JSON.stringify(path)} does not match ${workflow.path.kind} ${JSON.stringify(workflow.path.value)}` };
  }
  if (workflow.properties.length === 0) return undefined;
  const values = properties();
  for (const [name, filter] of workflow.properties) {
    if (!propertyMatches(filter, values[name])) return { field: `filters.properties.${name}`, reason: `${name} ${propertyReason(filter, values[name])}` };
  }
  return undefined;
}

/**
 * Workflows indexed by customer, trigger type, event name and path, so an event is checked only
 * against the workflows that could fire for it: cost follows the matching candidates, not every rule.
 */
export class WorkflowIndex {
  private readonly buckets = new Map<string, Bucket>();

  constructor(workflows: readonly Workflow[]) {
    for (const [order, workflow] of workflows.entries()) {
      const key = `${workflow.customerId}\u0000${workflow.trigger}`;
      let bucket = this.buckets.get(key);
      if (!bucket) this.buckets.set(key, (bucket = { byName: new Map(), anyName: new PathIndex() }));
      if (!workflow.eventNames) bucket.anyName.add({ workflow, order });
      else {
        for (const name of workflow.eventNames) {
          let byPath = bucket.byName.get(name);
          if (!byPath) bucket.byName.set(name, (byPath = new PathIndex()));
          byPath.add({ workflow, order });
        }
      }
    }
  }

  match(event: TrackingEvent): Workflow[] {
    const type: TriggerType = triggerTypeOf(event);
    const bucket = this.buckets.get(`${event.customer_id}\u0000${type}`);
    if (!bucket) return [];
    const path = pathOf(event.page_url);
    const candidates: Entry[] = [];
    bucket.anyName.candidates(path, candidates);
    if (event.event_name !== null) bucket.byName.get(event.event_name)?.candidates(path, candidates);
    if (candidates.length === 0) return [];
    let properties: Record<string, unknown> | undefined;
    const propertiesOnce = () => (properties ??= eventProperties(event));
    return candidates
      .filter(({ workflow }) => failedFilter(workflow, event, path, propertiesOnce) === undefined)
      .sort((a, b) => a.order - b.order)
      .map(({ workflow }) => workflow);
  }
}
