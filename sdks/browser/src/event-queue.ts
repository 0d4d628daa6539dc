import { retryDelay, type BackoffSettings, type SendOutcome } from './backoff';

export interface QueueSettings extends BackoffSettings {
  /** Events held at most, in flight included (seed 002: 50); the oldest waiting one goes first. */
  maxSize: number;
  /** Send at once when this many wait. */
  flushAt: number;
  /** Otherwise send this long after the first event arrived. */
  flushIntervalMs: number;
}

export interface QueueDependencies<T> {
  send(batch: T[]): Promise<SendOutcome>;
  random(): number;
  /** Told about events the queue gives up on, for the debug log. */
  onDrop?(count: number, reason: string): void;
}

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
   * Takes the waiting events out of the queue, for navigator.sendBeacon when the page is hidden or
   * closed. A batch in flight stays: its request was sent with keepalive and outlives the page.
   */
  drain(): T[] {
    if (this.paused) return [];
    const drained = this.waiting;
    this.waiting = [];
    this.stopBackoff();
    if (this.inFlight.length === 0) this.settle();
    return drained;
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
    this.inFlight = this.waiting.splice(0, Math.min(MAX_BATCH, this.settings.maxSize));
    let outcome: SendOutcome;
    try {
      outcome = await this.dependencies.send(this.inFlight);
    } catch (error) {
      // A transport that throws is a network failure: fetch rejects when the gateway is unreachable.
      outcome = { kind: 'retry', reason: error instanceof Error ? error.message : String(error) };
    }
    const batch = this.inFlight;
    this.inFlight = [];
    if (outcome.kind === 'retry') {
      // Back to the front, so order is kept (enqueue counted the batch, so the queue cannot overflow).
      this.waiting = batch.concat(this.waiting);
      this.attempt += 1;
      this.backingOff = true;
      this.clearTimer();
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.backingOff = false;
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

  private settle(): void {
    if (this.size > 0 && !this.paused) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }

  private stopBackoff(): void {
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
