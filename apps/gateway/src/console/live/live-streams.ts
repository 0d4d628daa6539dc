/** One open stream of one customer, as the registry sees it: where to hand events and how to close it. */
export interface LiveSubscriber<E> {
  readonly customerId: string;
  /** Hands on one event; false when the client cannot take it now (its socket's buffer is full): dropped. */
  deliver(event: E): boolean;
  /** Ends the stream from the server side (shutdown), with a reason the client sees. */
  close(reason: string): void;
}

export type OpenRefusal = { refused: 'customer' | 'instance'; limit: number };

export interface LiveStreamCounters {
  opened(customerId: string): void;
  closed(customerId: string): void;
  dropped(customerId: string): void;
}

/**
 * The open live streams of one gateway instance, by customer, with their caps: a customer may hold
 * `perCustomer` streams and the instance `perInstance`, so one tenant's tabs cannot take every
 * slot. Delivery never buffers: an event a client's socket cannot take is dropped and counted.
 */
export class LiveStreams<E> {
  private readonly byCustomer = new Map<string, Set<LiveSubscriber<E>>>();
  private total = 0;

  constructor(
    private readonly limits: { perCustomer: number; perInstance: number },
    private readonly counters: LiveStreamCounters,
  ) {}

  get size(): number {
    return this.total;
  }

  /** True when some stream of the customer is open: the reader decodes only these customers' records. */
  wants(customerId: string): boolean {
    return this.byCustomer.has(customerId);
  }

  /** Adds the stream, or says which cap refuses it. */
  open(subscriber: LiveSubscriber<E>): OpenRefusal | undefined {
    const streams = this.byCustomer.get(subscriber.customerId);
    if ((streams?.size ?? 0) >= this.limits.perCustomer) return { refused: 'customer', limit: this.limits.perCustomer };
    if (this.total >= this.limits.perInstance) return { refused: 'instance', limit: this.limits.perInstance };
    if (streams) streams.add(subscriber);
    else this.byCustomer.set(subscriber.customerId, new Set([subscriber]));
    this.total += 1;
    this.counters.opened(subscriber.customerId);
    return undefined;
  }

  remove(subscriber: LiveSubscriber<E>): void {
    const streams = this.byCustomer.get(subscriber.customerId);
    if (!streams?.delete(subscriber)) return;
    if (streams.size === 0) this.byCustomer.delete(subscriber.customerId);
    this.total -= 1;
    this.counters.closed(subscriber.customerId);
  }

  /** Hands the customer's event to each of its streams; returns how many took it. */
  publish(customerId: string, event: E): number {
    let delivered = 0;
    for (const subscriber of this.byCustomer.get(customerId) ?? []) {
      if (subscriber.deliver(event)) delivered += 1;
      else this.counters.dropped(customerId);
    }
    return delivered;
  }

  closeAll(reason: string): void {
    for (const streams of [...this.byCustomer.values()]) for (const subscriber of [...streams]) subscriber.close(reason);
  }
}
