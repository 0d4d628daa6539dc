import type { CustomerDocuments } from '@tracking/contracts';
import type { Logger } from 'pino';
import type { CustomerChange } from './customer-book';
import type { CustomerChangeListener } from './customer-source';

/**
 * The listeners of a source. One registered after the first full read hears every current customer
 * at once, so each listener sees every customer once and then each change, whenever it registered.
 */
export class ChangeListeners {
  private readonly listeners: CustomerChangeListener[] = [];
  private live = false;

  constructor(private readonly logger: Logger) {}

  add(listener: CustomerChangeListener, current: ReadonlyMap<string, CustomerDocuments>): void {
    this.listeners.push(listener);
    if (this.live) this.call(listener, [...current.values()].map((documents) => ({ customerId: documents.customer_id, documents })));
  }

  /** From the first full read on, changes reach the listeners. */
  emit(changes: readonly CustomerChange[], goLive = false): void {
    if (goLive) this.live = true;
    if (!this.live || changes.length === 0) return;
    for (const listener of this.listeners) this.call(listener, changes);
  }

  private call(listener: CustomerChangeListener, changes: readonly CustomerChange[]): void {
    try {
      listener(changes);
    } catch (error) {
      // One listener's bug must not keep the others (or the reader) from the change.
      this.logger.error({ err: error, customers: changes.map((change) => change.customerId) }, 'a customer change listener failed');
    }
  }
}
