import type { Logger } from 'pino';
import type { ErasureRequestRecord } from '@tracking/contracts';

export interface ErasureRequestContext {
  /** True for the requests read at start (the list as it was), false for each one arriving after. */
  initial: boolean;
}

export type ErasureRequestListener = (request: ErasureRequestRecord, context: ErasureRequestContext) => void | Promise<void>;

/**
 * The listeners of an erasure list. Each listener hears its requests one at a time, in the order
 * read, without holding up the reader (a listener may take long: rewriting objects, a vault
 * transaction); a listener's failure is logged and does not reach the others.
 */
export class RequestListeners {
  private readonly listeners: Array<{ listener: ErasureRequestListener; queue: Promise<void> }> = [];
  private live = false;

  constructor(private readonly logger: Logger) {}

  /** A listener added once the list is read hears every current request at once, as initial. */
  add(listener: ErasureRequestListener, current: readonly ErasureRequestRecord[]): void {
    const entry = { listener, queue: Promise.resolve() };
    this.listeners.push(entry);
    if (this.live) for (const request of current) this.call(entry, request, true);
  }

  /** From the first full read on, requests reach the listeners. */
  emit(requests: readonly ErasureRequestRecord[], initial: boolean, goLive = false): void {
    if (goLive) this.live = true;
    if (!this.live) return;
    for (const entry of this.listeners) for (const request of requests) this.call(entry, request, initial);
  }

  /** Resolves once every listener has finished with everything handed to it so far. */
  async idle(): Promise<void> {
    await Promise.all(this.listeners.map((entry) => entry.queue));
  }

  private call(entry: { listener: ErasureRequestListener; queue: Promise<void> }, request: ErasureRequestRecord, initial: boolean): void {
    entry.queue = entry.queue.then(async () => {
      try {
        await entry.listener(request, { initial });
      } catch (error) {
        this.logger.error({ err: error, requestId: request.request_id, customerId: request.customer_id }, 'an erasure request listener failed');
      }
    });
  }
}
