import type { Workflow } from '@tracking/customers';

/** A workflow with its place in the declaration order, so matches come back in that order. */
export interface IndexEntry {
  workflow: Workflow;
  order: number;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  entries: IndexEntry[];
}

const push = <K>(map: Map<K, IndexEntry[]>, key: K, entry: IndexEntry): void => {
  const entries = map.get(key);
  if (entries) entries.push(entry);
  else map.set(key, [entry]);
};

/** Not push(...entries): spreading a list of many thousand workflows can overflow the call stack. */
const append = (into: IndexEntry[], entries: readonly IndexEntry[] | undefined): void => {
  if (entries) for (const entry of entries) into.push(entry);
};

/**
 * Workflows by their path filter: exact paths in a map, prefixes (and the literal start of globs)
 * in a character trie walked along the event's path, so the candidates for a page view cost the
 * length of its path, not the number of workflows.
 */
class PathIndex {
  private readonly unfiltered: IndexEntry[] = [];
  private readonly exact = new Map<string, IndexEntry[]>();
  private readonly root: TrieNode = { next: new Map(), entries: [] };

  add(entry: IndexEntry): void {
    const filter = entry.workflow.path;
    if (!filter) return void this.unfiltered.push(entry);
    if (filter.kind === 'exact') return push(this.exact, filter.value, entry);
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
  candidates(path: string | null, into: IndexEntry[]): void {
    append(into, this.unfiltered);
    if (path === null) return;
    append(into, this.exact.get(path));
    let node: TrieNode | undefined = this.root;
    append(into, node.entries);
    for (const char of path) {
      node = node.next.get(char);
      if (!node) break;
      append(into, node.entries);
    }
  }
}

/**
 * The workflows of one customer, trigger type and event name, each filed once under the most
 * selective of its filters that can be looked up: an exact path; else the values of its first
 * `equals` or `one_of` property filter (a property holds one value, so an event finds the workflow
 * under at most one of them); else its path prefix or glob start; else none. A prefix such as "/"
 * lets every page through, a campaign or product value few, so a value beats a prefix. Candidates
 * are a superset of the workflows that fire: every filter is still checked on them.
 */
export class FilterIndex {
  private readonly paths = new PathIndex();
  /** By property name, then by each value its filter accepts, compared as the filter does (String). */
  private readonly byProperty = new Map<string, Map<string, IndexEntry[]>>();

  add(entry: IndexEntry): void {
    const { path, properties } = entry.workflow;
    const valued = path?.kind === 'exact' ? undefined : properties.find(([, filter]) => filter.kind !== 'exists');
    if (!valued) return this.paths.add(entry);
    const [name, filter] = valued;
    let byValue = this.byProperty.get(name);
    if (!byValue) this.byProperty.set(name, (byValue = new Map()));
    const values = filter.kind === 'one_of' ? new Set(filter.values) : filter.kind === 'equals' ? [filter.value] : [];
    for (const value of values) push(byValue, value, entry);
  }

  /** `properties` is asked for only when some workflow here is filed by a property value. */
  candidates(path: string | null, properties: () => Record<string, unknown>, into: IndexEntry[]): void {
    this.paths.candidates(path, into);
    if (this.byProperty.size === 0) return;
    const values = properties();
    for (const [name, byValue] of this.byProperty) {
      const value = values[name];
      // Only a present scalar can pass an equals or one_of filter (propertyMatches).
      if (value === undefined || value === null || typeof value === 'object') continue;
      append(into, byValue.get(String(value)));
    }
  }
}
