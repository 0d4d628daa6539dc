import type { CustomerDocuments } from '@tracking/contracts';

/** A customer's configuration changed: `documents` is the new version, undefined when it was removed. */
export interface CustomerChange {
  customerId: string;
  documents?: CustomerDocuments;
  previous?: CustomerDocuments;
}

/**
 * The latest documents of every customer, as the compacted topic holds them: a record replaces its
 * key's documents, a tombstone removes them. Applying the same record twice (a re-read, a customer
 * applied again unchanged) is no change.
 */
export class CustomerBook {
  private readonly byId = new Map<string, CustomerDocuments>();

  /** Applies one record of the topic (`documents` null for a tombstone); the change it makes, if any. */
  apply(customerId: string, documents: CustomerDocuments | null): CustomerChange | undefined {
    const previous = this.byId.get(customerId);
    if (documents === null) {
      if (!previous) return undefined;
      this.byId.delete(customerId);
      return { customerId, previous };
    }
    this.byId.set(customerId, documents);
    if (previous?.digest === documents.digest) return undefined;
    return { customerId, documents, ...(previous ? { previous } : {}) };
  }

  get(customerId: string): CustomerDocuments | undefined {
    return this.byId.get(customerId);
  }

  get size(): number {
    return this.byId.size;
  }

  snapshot(): ReadonlyMap<string, CustomerDocuments> {
    return new Map(this.byId);
  }

  /** What changes between this book and a newer one read whole: how a reader that read everything again tells what moved. */
  changesTo(next: CustomerBook): CustomerChange[] {
    const changes: CustomerChange[] = [];
    for (const [customerId, documents] of next.byId) {
      const previous = this.byId.get(customerId);
      if (previous?.digest !== documents.digest) changes.push({ customerId, documents, ...(previous ? { previous } : {}) });
    }
    for (const [customerId, previous] of this.byId) if (!next.byId.has(customerId)) changes.push({ customerId, previous });
    return changes;
  }
}
