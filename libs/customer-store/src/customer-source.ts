import type { CustomerDocuments } from '@tracking/contracts';
import type { CustomerChange } from './customer-book';

export type CustomerChangeListener = (changes: readonly CustomerChange[]) => void;

/**
 * Where a service reads its customers from: the shared topic (every instance reads the same, and
 * follows it), or a directory (the documented development fallback, CUSTOMERS_DIR). Both hand out
 * the documents as text, so the one parser of each file reads them.
 */
export interface CustomerSource {
  /** Where the customers come from, for logs and status: `topic tracking.customers.v1` or `directory /path`. */
  readonly description: string;
  /** Whether every instance reads the same (the topic), so a change may be written there; a directory is one instance's own. */
  readonly shared: boolean;
  /** Whether the source's whole content has been read once. */
  readonly ready: boolean;
  /** Resolves once the whole content has been read (never rejects; may never resolve). */
  readonly readyOnce: Promise<void>;
  /** The current documents of every customer. */
  documents(): ReadonlyMap<string, CustomerDocuments>;
  /**
   * Called with every change from now on. The first call after the first full read carries every
   * customer (as created), so a listener needs no separate initial load.
   */
  onChange(listener: CustomerChangeListener): void;
  /**
   * Brings the source up to what was written before this call (the topic read to the end offsets it
   * has now; the directory read again), so a caller acting on a change just applied sees it.
   * Resolves false when that took longer than `timeoutMs` (the source keeps following).
   */
  refresh(timeoutMs?: number): Promise<boolean>;
  /** For /readyz: resolves once read whole, else rejects saying why not. */
  check(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
