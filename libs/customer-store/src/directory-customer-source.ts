import type { Logger } from 'pino';
import { changedCustomerFiles, customerDigest, type CustomerDocuments } from '@tracking/contracts';
import { readCustomerDirectoryTexts } from '@tracking/customers';
import { CustomerBook } from './customer-book';
import type { CustomerChangeListener, CustomerSource } from './customer-source';
import { ChangeListeners } from './listeners';

/**
 * The development and test fallback (CUSTOMERS_DIR): customers read from one instance's own
 * directory in seed 000's layout, read again every `pollMs` (0: only at start). It is not shared
 * between instances; the shared topic is the production source.
 */
export class DirectoryCustomerSource implements CustomerSource {
  readonly description: string;
  readonly shared = false;
  private readonly book = new CustomerBook();
  private readonly listeners: ChangeListeners;
  private timer?: NodeJS.Timeout;
  private loaded = false;
  private markReady!: () => void;
  readonly readyOnce = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly directory: string,
    private readonly pollMs: number,
    private readonly logger: Logger,
  ) {
    this.description = `directory ${directory}`;
    this.listeners = new ChangeListeners(logger);
  }

  get ready(): boolean {
    return this.loaded;
  }

  documents(): ReadonlyMap<string, CustomerDocuments> {
    return this.book.snapshot();
  }

  onChange(listener: CustomerChangeListener): void {
    this.listeners.add(listener, this.book.snapshot());
  }

  async check(): Promise<void> {
    if (!this.loaded) throw new Error(`customer configuration not read yet from ${this.directory}`);
  }

  async start(): Promise<void> {
    this.read(true);
    if (this.pollMs > 0) {
      this.timer = setInterval(() => this.read(false), this.pollMs);
      this.timer.unref();
    }
  }

  async refresh(): Promise<boolean> {
    if (this.loaded) this.read(false);
    return this.loaded;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  private read(first: boolean): void {
    let texts;
    try {
      texts = readCustomerDirectoryTexts(this.directory);
    } catch (error) {
      // At start a missing directory is a configuration error; later it keeps what was read.
      if (first) throw error;
      this.logger.warn({ err: error, directory: this.directory }, 'customer directory cannot be read; keeping the customers read before');
      return;
    }
    for (const error of texts.errors) this.logger.error({ customerId: error.customerId, problems: error.problems }, 'customer directory refused');
    const changes = [];
    const at = Date.now();
    for (const [customerId, customerTexts] of texts.customers) {
      const previous = this.book.get(customerId);
      const digest = customerDigest(customerTexts);
      if (previous?.digest === digest) continue;
      const documents: CustomerDocuments = {
        customer_id: customerId,
        ...customerTexts,
        digest,
        applied_by: 'directory',
        applied_at: at,
        applied_via: this.description,
        changed_files: changedCustomerFiles(previous, customerTexts),
      };
      const change = this.book.apply(customerId, documents);
      if (change) changes.push(change);
    }
    // A directory caught half-written (config.yaml missing for a moment) keeps its customer.
    const present = new Set([...texts.customers.keys(), ...texts.errors.map((error) => error.customerId)]);
    for (const customerId of this.book.snapshot().keys()) {
      if (present.has(customerId)) continue;
      const change = this.book.apply(customerId, null);
      if (change) changes.push(change);
    }
    if (first) {
      this.loaded = true;
      this.markReady();
    }
    this.listeners.emit(changes, first);
  }
}
