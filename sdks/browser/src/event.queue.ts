import { retryDelay, type BackoffSettings, type SendOutcome } from './backoff';

export interface QueueSettings extends BackoffSettings {
  /** Events held at most, in flight included (seed 002: 50); the oldest waiting one goes first. */
  maxSize: number;
  /** Send at once when this many wait. */
  flushAt: number;
  /** Otherwise send this long after the first event arrived. */
  flushIntervalMs: number;
  /** Largest request body (with sizeOf): the gateway refuses bodies over 64 KiB. Default unlimited. */
  maxBatchBytes?: number;
}

export interface QueueDependencies<T> {
  send(batch: T[]): Promise<SendOutcome>;
  random(): number;
  /** Told about events the queue gives up on, for the debug log. */
  onDrop?(count: number, reason: string): void;
  /** Bytes one event takes in a request body; with maxBatchBytes, batches are cut by size too. */
  sizeOf?(event: T): number;
  /** False for events that may no longer be sent (consent denied): dropped instead of sent or retried. */
  admit?(event: T): boolean;
}

/** `{"events":[` and `]}` around the events, which are separated by commas. */
const BODY_OVERHEAD_BYTES = 12;

/** The collector takes at most 50 events per request. */
export const MAX_BATCH = 50;

/**
 * A bounded in-memory queue that sends in batches, one request at a time, and retries a failed
 * batch with exponential backoff and jitter until it is delivered or refused for good. A batch is
 * sent again exactly as it was (same event ids), so a retry after an answer that was lost on the
 * way is deduplicated downstream instead of counted twice.
 */
export class EventQueue<T> {
  private waiting: T[] = [];
  private inFlight: T[] = [];
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Set while a failed batch waits for its retry: nothing else may overtake it. */
  private backingOff = false;
  /** While backing off: how many events at the front of `waiting` are the batch to retry. */
  private retrying = 0;
  private paused: boolean;
  private idle: Array<() => void> = [];

  constructor(
    private readonly settings: QueueSettings,
    private readonly dependencies: QueueDependencies<T>,
    paused = false,
  ) {
    this.paused = paused;
  }

  get size(): number {
    return this.waiting.length + this.inFlight.length;
  }

  enqueue(event: T): void {
    if (this.size >= this.settings.maxSize) {
      if (this.waiting.length === 0) {
        this.dependencies.onDrop?.(1, 'queue full');
        return;
      }
      this.waiting.shift();
      this.dependencies.onDrop?.(1, 'queue full');
    }
    this.waiting.push(event);
    this.schedule();
  }

  /** Holds everything until resume(): the consent gate. */
  pause(): void {
    this.paused = true;
    this.clearTimer();
  }

  resume(): void {
    this.paused = false;
    // pause() cancelled a pending retry; the batch goes again now instead of waiting forever.
    this.stopBackoff();
    this.schedule();
  }

  /** Drops every waiting event (consent denied); a batch already on the wire cannot be recalled. */
  clear(): void {
    if (this.waiting.length > 0) this.dependencies.onDrop?.(this.waiting.length, 'cleared');
    this.waiting = [];
    this.stopBackoff();
    if (this.inFlight.length === 0) this.settle();
  }

  /**
   * The waiting events, for navigator.sendBeacon when the page is hidden or closed. Those waiting
   * for nothing leave the queue (restore() puts back any the browser would not take); a batch
   * waiting to retry is only copied and stays, with its backoff: the beacon may be refused or the
   * page may live on, and its fixed event ids make a second delivery harmless. A batch in flight
   * stays too: its request was sent with keepalive and outlives the page.
   */
  drain(): T[] {
    if (this.paused) return [];
    this.dropUnadmitted();
    const drained = this.waiting;
    this.waiting = drained.slice(0, this.retrying);
    if (this.size === 0) this.settle();
    return drained;
  }

  /** Puts back, in their place, drained events that could not be handed over. */
  restore(events: T[]): void {
    const kept = new Set(this.waiting);
    const missing = events.filter((event) => !kept.has(event));
    if (missing.length === 0) return;
    this.waiting = this.waiting.slice(0, this.retrying).concat(missing, this.waiting.slice(this.retrying));
    while (this.size > this.settings.maxSize && this.waiting.length > this.retrying) {
      this.waiting.splice(this.retrying, 1);
      this.dependencies.onDrop?.(1, 'queue full');
    }
    this.schedule();
  }

  /** Sends what waits now (backoff permitting) and resolves once the queue is empty or paused. */
  flush(): Promise<void> {
    if (this.paused || this.size === 0) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.idle.push(resolve));
    if (!this.backingOff && this.inFlight.length === 0) {
      this.clearTimer();
      void this.sendNext();
    }
    return done;
  }

  private schedule(): void {
    if (this.paused || this.backingOff || this.inFlight.length > 0 || this.waiting.length === 0) return;
    if (this.waiting.length >= this.settings.flushAt) {
      this.clearTimer();
      void this.sendNext();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.sendNext();
      }, this.settings.flushIntervalMs);
    }
  }

  private async sendNext(): Promise<void> {
    if (this.paused || this.inFlight.length > 0 || this.waiting.length === 0) {
      this.settle();
      return;
    }
    this.dropUnadmitted();
    this.inFlight = this.waiting.splice(0, this.batchLength());
    if (this.inFlight.length === 0) {
      this.settle();
      return;
    }
    let outcome: SendOutcome;
    try {
      outcome = await this.dependencies.send(this.inFlight);
    } catch (error) {
      // A transport that throws is a network failure: fetch rejects when the gateway is unreachable.
      outcome = { kind: 'retry', reason: error instanceof Error ? error.message : String(error) };
    }
    const batch = this.inFlight;
    this.inFlight = [];
    const retry = outcome.kind === 'retry' ? this.admitted(batch) : [];
    if (outcome.kind === 'retry' && retry.length > 0) {
      // Back to the front, so order is kept (enqueue counted the batch, so the queue cannot overflow).
      this.waiting = retry.concat(this.waiting);
      this.retrying = retry.length;
      this.attempt += 1;
      this.backingOff = true;
      this.clearTimer();
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.backingOff = false;
        this.retrying = 0;
        void this.sendNext();
      }, retryDelay(this.attempt, this.settings, this.dependencies.random, outcome.retryAfterMs));
      return;
    }
    if (outcome.kind === 'rejected') this.dependencies.onDrop?.(batch.length, `refused with HTTP ${outcome.status}`);
    this.attempt = 0;
    if (this.waiting.length === 0) this.settle();
    else if (this.idle.length > 0) void this.sendNext();
    else this.schedule();
  }

  /**
   * As many waiting events as one request may carry: the collector's 50, and with sizeOf the
   * gateway's body limit. An event too big for a request of its own can never be delivered: it is
   * dropped (with a warning) instead of being retried forever.
   */
  private batchLength(): number {
    const limit = Math.min(MAX_BATCH, this.settings.maxSize);
    const { sizeOf } = this.dependencies;
    const maxBytes = this.settings.maxBatchBytes;
    if (!sizeOf || maxBytes === undefined) return limit;
    let bytes = BODY_OVERHEAD_BYTES;
    let length = 0;
    while (length < limit && length < this.waiting.length) {
      const size = sizeOf(this.waiting[length]!) + 1;
      if (BODY_OVERHEAD_BYTES + size > maxBytes) {
        if (length > 0) break;
        this.waiting.shift();
        console.warn(`[tracking] an event of ${size} bytes is larger than a request may be (${maxBytes} bytes): dropped`);
        this.dependencies.onDrop?.(1, 'too large');
        continue;
      }
      if (bytes + size > maxBytes) break;
      bytes += size;
      length += 1;
    }
    return length;
  }

  private admitted(events: T[]): T[] {
    const { admit } = this.dependencies;
    if (!admit) return events;
    const kept = events.filter((event) => admit(event));
    if (kept.length < events.length) this.dependencies.onDrop?.(events.length - kept.length, 'no longer allowed');
    return kept;
  }

  /** Drops waiting events that may no longer be sent (the batch to retry included). */
  private dropUnadmitted(): void {
    if (!this.dependencies.admit) return;
    const head = this.admitted(this.waiting.slice(0, this.retrying));
    const tail = this.admitted(this.waiting.slice(this.retrying));
    this.waiting = head.concat(tail);
    if (this.backingOff && head.length === 0) this.stopBackoff();
    else this.retrying = head.length;
  }

  private settle(): void {
    if (this.size > 0 && !this.paused) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }

  private stopBackoff(): void {
    this.retrying = 0;
    if (!this.backingOff) return;
    this.backingOff = false;
    this.attempt = 0;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
