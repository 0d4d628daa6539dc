import { randomUUID } from 'node:crypto';
import { EventQueue } from './event.queue';
import { HttpTransport, type FetchLike, type GatewayAnswer } from './http.transport';
import { DEFAULT_RETRY_OPTIONS, RetryPolicy } from './retry.policy';
import { TrackingBulkError, TrackingError, type BulkEventOutcome, type BulkFailure, type FieldErrorDetail } from './tracking.errors';
import { prepareEvent, type PageViewInput, type PreparedEvent, type TrackEventInput, type TrackResult } from './tracking-event';
import { SDK_NAME, SDK_VERSION } from './version';

/** The gateway's defaults: at most 500 events and 1 MB in one bulk request. */
const GATEWAY_MAX_BULK_EVENTS = 500;
const GATEWAY_MAX_BULK_BYTES = 1024 * 1024;

export interface TrackingClientOptions {
  /** Base URL of the gateway, e.g. `https://track.example.com`; the client appends `/api/v1/track…`. */
  endpoint: string;
  /** Sent as X-Customer-ID. */
  customerId: string;
  /** Secret API token (`sk_live_…` or the token of config.yaml), sent as `Authorization: Bearer`. Never ship it to a browser. */
  token: string;
  /** Send as soon as this many events are queued. Default 20. */
  flushAt?: number;
  /** Send whatever is queued at most this long (ms) after the oldest unsent event was tracked. Default 5000. */
  flushInterval?: number;
  /** Events in one request. Default and maximum 500 (the gateway's limit). */
  maxBatchSize?: number;
  /** Bytes in one request. Default 900 KB, under the gateway's 1 MB bulk limit. */
  maxBatchBytes?: number;
  /**
   * Retries of a request after the first attempt, on network errors, timeouts, 408, 429 and 5xx.
   * Default 8. Waits the gateway asks for with Retry-After (up to retry.maxRetryAfterMs) do not
   * count: a rate-limited batch is sent again once the limit resets.
   */
  maxRetries?: number;
  /** Events waiting to be sent before track() refuses more (QUEUE_FULL). Default 10 000. */
  maxQueueSize?: number;
  /** Per request. Default 10 000 ms. */
  timeoutMs?: number;
  /**
   * Backoff tuning: first ceiling (500 ms), its maximum (30 s) and the longest Retry-After honoured
   * (1 hour, the gateway's hourly customer limit). A longer Retry-After is cut to maxRetryAfterMs
   * and counts against maxRetries.
   */
  retry?: { baseDelayMs?: number; maxDelayMs?: number; maxRetryAfterMs?: number };
  /**
   * Called once for every failure: a refused event, a batch given up on, an event refused on
   * submission. The promise of each event concerned rejects with the same error. Default: a
   * process warning on stderr, so a failure nobody awaits is still seen.
   */
  onError?: (error: TrackingError) => void;
  /** Defaults to Node's global fetch; pass your own for proxies, instrumentation or tests. */
  fetch?: FetchLike;
}

/** What flush() and close() waited for, once it has all settled. */
export interface FlushSummary {
  accepted: number;
  dropped: number;
  failed: number;
}

export interface CloseOptions {
  /**
   * Longest wait (ms) for queued and in-flight events. When it passes, the request in flight is
   * aborted and every unsettled event rejects with CLIENT_CLOSED (an aborted request may still have
   * arrived). Default: wait until every event has settled, retries included.
   */
  timeoutMs?: number;
}

/** How one event settled; a failure names its event, which a batch-wide error cannot. */
type Outcome = { ok: true; result: TrackResult } | { ok: false; error: TrackingError; eventId: string | undefined };

/** One tracked event from submission until it settles. */
interface Entry {
  seq: number;
  bytes: number;
  prepared: PreparedEvent;
  settle(outcome: Outcome): void;
  done: Promise<Outcome>;
}

interface Settings {
  flushAt: number;
  flushInterval: number;
  maxBatchSize: number;
  maxBatchBytes: number;
  maxQueueSize: number;
}

const isCount = (value: number, min: number, max = Number.MAX_SAFE_INTEGER): boolean => Number.isInteger(value) && value >= min && value <= max;

/** Checks every option at once and names every bad one: contradictory settings fail at construction, not at the first send. */
function validate(options: TrackingClientOptions, settings: Settings, maxRetries: number, timeoutMs: number): void {
  const problems: string[] = [];
  if (!URL.canParse(options.endpoint) || !['http:', 'https:'].includes(new URL(options.endpoint).protocol)) problems.push(`endpoint must be an http(s) URL (got ${JSON.stringify(options.endpoint)})`);
  if (typeof options.customerId !== 'string' || options.customerId.trim() === '') problems.push('customerId is required');
  if (typeof options.token !== 'string' || options.token.trim() === '') problems.push('token is required');
  if (!isCount(settings.maxBatchSize, 1, GATEWAY_MAX_BULK_EVENTS)) problems.push(`maxBatchSize must be an integer from 1 to ${GATEWAY_MAX_BULK_EVENTS}`);
  if (!isCount(settings.flushAt, 1, GATEWAY_MAX_BULK_EVENTS)) problems.push(`flushAt must be an integer from 1 to ${GATEWAY_MAX_BULK_EVENTS}`);
  if (!isCount(settings.flushInterval, 1)) problems.push('flushInterval must be a positive integer (ms)');
  if (!isCount(settings.maxBatchBytes, 1024, GATEWAY_MAX_BULK_BYTES)) problems.push(`maxBatchBytes must be an integer from 1024 to ${GATEWAY_MAX_BULK_BYTES}`);
  if (!isCount(maxRetries, 0)) problems.push('maxRetries must be an integer of 0 or more');
  if (!isCount(timeoutMs, 1)) problems.push('timeoutMs must be a positive integer (ms)');
  // A queue that can never hold flushAt events would never send by count.
  if (!isCount(settings.maxQueueSize, Math.max(1, settings.flushAt))) problems.push('maxQueueSize must be an integer of at least flushAt');
  if (options.fetch === undefined && typeof globalThis.fetch !== 'function') problems.push('no global fetch (Node 18 or later); pass options.fetch');
  if (problems.length > 0) throw new TypeError(`invalid TrackingClient options: ${problems.join('; ')}`);
}

function defaultOnError(error: TrackingError): void {
  process.emitWarning(error);
}

function summarize(outcomes: readonly Outcome[]): FlushSummary {
  const summary: FlushSummary = { accepted: 0, dropped: 0, failed: 0 };
  for (const outcome of outcomes) {
    if (!outcome.ok) summary.failed += 1;
    else if (outcome.result.status === 'dropped') summary.dropped += 1;
    else summary.accepted += 1;
  }
  return summary;
}

/** Marks a promise handled, so a caller who fires and forgets gets onError instead of an unhandled rejection crash. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * Server-side client of the tracking gateway. Events are queued, sent in batches (one at a time, so
 * they leave in order and a rate-limited client backs off as a whole) and retried with the same ids
 * until the gateway acknowledges them. Each call's promise settles with its own event's outcome.
 *
 * While events are queued or in flight the client keeps the process alive (its flush timer and
 * retry waits are ref'd, and 'beforeExit' sends what is still queued), so `await client.track()`
 * in a short script always settles; once idle, it holds nothing open. Call `close()` before a
 * long-running process exits: queued events are sent then and new ones refused.
 */
export class TrackingClient {
  private readonly settings: Settings;
  private readonly transport: HttpTransport;
  private readonly policy: RetryPolicy;
  private readonly onError: (error: TrackingError) => void;
  private readonly queue = new EventQueue<Entry>();
  /** Queued or in flight. */
  private readonly pending = new Set<Entry>();
  /** Aborts the request in flight and the retry wait when close() stops waiting. */
  private readonly abort = new AbortController();
  private lastSeq = 0;
  /** Events up to this sequence number are sent now, whatever flushAt says (timer, flush(), close(), trackBulk()). */
  private drainUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private retryWait: NodeJS.Timeout | undefined;
  /** Registered on process 'beforeExit' while events are pending. */
  private listening = false;
  private closing: Promise<FlushSummary> | undefined;

  constructor(options: TrackingClientOptions) {
    this.settings = {
      flushAt: options.flushAt ?? 20,
      flushInterval: options.flushInterval ?? 5000,
      maxBatchSize: options.maxBatchSize ?? GATEWAY_MAX_BULK_EVENTS,
      maxBatchBytes: options.maxBatchBytes ?? 900 * 1024,
      maxQueueSize: options.maxQueueSize ?? 10_000,
    };
    const maxRetries = options.maxRetries ?? 8;
    const timeoutMs = options.timeoutMs ?? 10_000;
    validate(options, this.settings, maxRetries, timeoutMs);
    this.policy = new RetryPolicy({ ...DEFAULT_RETRY_OPTIONS, ...options.retry, maxRetries });
    this.onError = options.onError ?? defaultOnError;
    this.transport = new HttpTransport({
      endpoint: options.endpoint,
      customerId: options.customerId,
      token: options.token,
      timeoutMs,
      fetch: options.fetch ?? ((url, init) => globalThis.fetch(url, init)),
      userAgent: `${SDK_NAME}/${SDK_VERSION} node/${process.versions.node}`,
    });
  }

  /** Tracks a custom event; resolves once the gateway acknowledged it, rejects with a TrackingError. */
  track(event: TrackEventInput): Promise<TrackResult> {
    const [outcome] = this.submit([event]);
    return handled(outcome.then((settled) => (settled.ok ? settled.result : Promise.reject(settled.error))));
  }

  /** Seed 000's name: `trackEvent({ event_type, … })`, or seed 001's `trackEvent('button_click', { … })`. */
  trackEvent(event: TrackEventInput): Promise<TrackResult>;
  trackEvent(eventType: string, eventData?: Record<string, unknown>, fields?: Omit<TrackEventInput, 'event_type' | 'event_data'>): Promise<TrackResult>;
  trackEvent(
    eventOrType: TrackEventInput | string,
    eventData?: Record<string, unknown>,
    fields?: Omit<TrackEventInput, 'event_type' | 'event_data'>,
  ): Promise<TrackResult> {
    if (typeof eventOrType !== 'string') return this.track(eventOrType);
    return this.track({ ...fields, event_type: eventOrType, ...(eventData !== undefined ? { event_data: eventData } : {}) });
  }

  /** A page view (`event_type: page_view`). */
  page(view: PageViewInput): Promise<TrackResult> {
    return this.track({ ...view, event_type: 'page_view' });
  }

  /** Seed 000's name: `trackPageView(pageUrl, additionalData)`. */
  trackPageView(pageUrl: string, eventData?: Record<string, unknown>, fields?: Omit<PageViewInput, 'page_url' | 'event_data'>): Promise<TrackResult> {
    return this.page({ ...fields, page_url: pageUrl, ...(eventData !== undefined ? { event_data: eventData } : {}) });
  }

  /**
   * Sends a list now, in as few bulk requests as the batch limits allow. Resolves with every
   * event's result in order; when any event is refused, rejects with a TrackingBulkError naming
   * each refused event by its position in `events`, with the others' results beside them.
   */
  trackBulk(events: readonly TrackEventInput[]): Promise<TrackResult[]> {
    const outcomes = this.submit(events);
    this.drainUntil = this.lastSeq;
    this.kick();
    return handled(
      Promise.all(outcomes).then((settled) => {
        const failures: BulkFailure[] = [];
        const results: BulkEventOutcome[] = settled.map((outcome, index) => {
          if (outcome.ok) return outcome.result;
          const eventId = outcome.eventId ?? '';
          failures.push({ index, eventId, error: outcome.error });
          return { eventId, status: 'failed' };
        });
        if (failures.length > 0) throw new TrackingBulkError(failures, results);
        return settled.map((outcome) => (outcome as { ok: true; result: TrackResult }).result);
      }),
    );
  }

  /** Sends everything queued now; resolves when every event queued or in flight at the call has settled. Never rejects. */
  async flush(): Promise<FlushSummary> {
    const waiting = [...this.pending];
    this.drainUntil = this.lastSeq;
    this.kick();
    return this.waitFor(waiting.map((entry) => entry.done));
  }

  /** Refuses new events (CLIENT_CLOSED), sends what is queued, waits for it to settle and stops the timer. Idempotent. */
  close(options: CloseOptions = {}): Promise<FlushSummary> {
    this.closing ??= this.shutdown(options.timeoutMs);
    return this.closing;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  private async shutdown(timeoutMs: number | undefined): Promise<FlushSummary> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = [...this.pending].map((entry) => entry.done);
    this.drainUntil = this.lastSeq;
    this.kick();
    const all = this.waitFor(waiting);
    if (timeoutMs !== undefined) {
      let deadline: NodeJS.Timeout | undefined;
      const expired = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((resolve) => {
          deadline = setTimeout(() => resolve(true), timeoutMs);
        }),
      ]);
      clearTimeout(deadline);
      if (expired) this.giveUp(timeoutMs);
    }
    const summary = await all;
    await this.pumping;
    return summary;
  }

  /** close() stopped waiting: abort what is in flight and fail what never left. */
  private giveUp(timeoutMs: number): void {
    const error = new TrackingError(`close() gave up after ${timeoutMs} ms; these events may not have reached the gateway`, {
      status: null,
      errorCode: 'CLIENT_CLOSED',
      retriable: true,
    });
    this.abort.abort(error);
    const never = this.queue.drain();
    this.keepAlive();
    if (never.length > 0) this.fail(never, error.withEvents(ids(never), 0));
  }

  private async waitFor(outcomes: ReadonlyArray<Promise<Outcome>>): Promise<FlushSummary> {
    return summarize(await Promise.all(outcomes));
  }

  /**
   * Node exits when nothing holds its event loop, even with promises unsettled; `await
   * client.track()` in a script would then end without sending. So while events are queued the
   * flush timer is ref'd, and while any is pending 'beforeExit' sends what is queued. Idle, the
   * client holds nothing.
   */
  private keepAlive(): void {
    if (this.timer !== undefined) {
      if (this.queue.length > 0) this.timer.ref?.();
      else this.timer.unref?.();
    }
    const busy = this.pending.size > 0;
    if (busy && !this.listening) process.on('beforeExit', this.onBeforeExit);
    else if (!busy && this.listening) process.removeListener('beforeExit', this.onBeforeExit);
    this.listening = busy;
  }

  /** The event loop ran dry with events still queued: send them now rather than at the flush timer. */
  private readonly onBeforeExit = (): void => {
    if (this.queue.length === 0) return;
    this.drainUntil = this.lastSeq;
    this.kick();
  };

  private submit(inputs: readonly TrackEventInput[]): Array<Promise<Outcome>> {
    if (this.closing !== undefined) {
      return this.refuseAll(inputs, new TrackingError('the TrackingClient is closed: close() was called, no new events are taken', {
        status: null,
        errorCode: 'CLIENT_CLOSED',
        retriable: false,
      }));
    }
    if (this.queue.length + inputs.length > this.settings.maxQueueSize) {
      // All or nothing, so a bulk is never half queued.
      return this.refuseAll(inputs, new TrackingError(`the queue holds ${this.queue.length} of at most ${this.settings.maxQueueSize} events; not sent`, {
        status: null,
        errorCode: 'QUEUE_FULL',
        retriable: true,
      }));
    }
    const now = Date.now();
    const outcomes = inputs.map((input) => {
      let prepared: PreparedEvent;
      try {
        prepared = prepareEvent(input, now);
      } catch (cause) {
        const error = new TrackingError(`event not sent: ${(cause as Error).message}`, { status: null, errorCode: 'INVALID_EVENT', retriable: false, cause });
        this.report(error);
        return Promise.resolve<Outcome>({ ok: false, error, eventId: input?.event_id });
      }
      return this.enqueue(prepared);
    });
    if (this.queue.length >= this.settings.flushAt) this.kick();
    this.armTimer();
    return outcomes;
  }

  private refuseAll(inputs: readonly TrackEventInput[], error: TrackingError): Array<Promise<Outcome>> {
    const attributed = error.withEvents(inputs.flatMap((input) => (input?.event_id ? [input.event_id] : [])), 0);
    this.report(attributed);
    return inputs.map((input) => Promise.resolve<Outcome>({ ok: false, error: attributed, eventId: input?.event_id }));
  }

  private enqueue(prepared: PreparedEvent): Promise<Outcome> {
    let settle!: (outcome: Outcome) => void;
    const done = new Promise<Outcome>((resolve) => {
      settle = resolve;
    });
    const entry: Entry = {
      seq: ++this.lastSeq,
      bytes: prepared.bytes,
      prepared,
      done,
      settle: (outcome) => {
        this.pending.delete(entry);
        this.keepAlive();
        settle(outcome);
      },
    };
    this.pending.add(entry);
    this.queue.push(entry);
    this.keepAlive();
    return done;
  }

  private armTimer(): void {
    if (this.timer !== undefined || this.queue.length === 0 || this.closing !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drainUntil = this.lastSeq;
      this.kick();
    }, this.settings.flushInterval);
    // Ref'd while events wait for it (keepAlive), so a script's queued events still leave.
    this.keepAlive();
  }

  private shouldSend(): boolean {
    const head = this.queue.peek();
    if (head === undefined) return false;
    return this.queue.length >= this.settings.flushAt || head.seq <= this.drainUntil;
  }

  /** Starts the single sender unless it runs; it sends batch after batch while one is due. */
  private kick(): void {
    if (this.pumping !== undefined) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      // An event may have crossed flushAt after the loop's last check.
      if (this.shouldSend()) this.kick();
      else this.armTimer();
    });
  }

  private async pump(): Promise<void> {
    // One microtask: a synchronous burst of track() calls goes out as one batch, not as 1 + the rest.
    await Promise.resolve();
    while (this.shouldSend()) {
      const batch = this.queue.take(this.settings.maxBatchSize, this.settings.maxBatchBytes);
      this.keepAlive();
      try {
        await this.deliver(batch);
      } catch (cause) {
        // deliver() settles every path itself; this is a bug of ours, and still no event may hang.
        this.fail(batch, new TrackingError(`internal error of the tracking client: ${(cause as Error).message}`, {
          status: null,
          errorCode: 'INTERNAL_ERROR',
          retriable: false,
          eventIds: ids(batch),
          cause,
        }));
      }
    }
  }

  /**
   * Sends one batch until it is answered or retries run out. The batch keeps its event ids and
   * batch_id on every attempt, so whatever an attempt that seemed to fail did deliver is
   * deduplicated downstream; only sent_at changes, because it must say when this attempt left.
   */
  private async deliver(batch: Entry[]): Promise<void> {
    const batchId = randomUUID();
    // Retries that count against maxRetries; waits the server asked for (Retry-After within the
    // cap) do not, so a batch held back by the hourly limit goes out once it resets.
    let retries = 0;
    for (let attempts = 1; ; attempts += 1) {
      if (this.abort.signal.aborted) {
        this.fail(batch, (this.abort.signal.reason as TrackingError).withEvents(ids(batch), attempts - 1));
        return;
      }
      const sentAt = new Date().toISOString();
      const events = batch.map(({ prepared }) => (prepared.stampSentAt ? { ...prepared.body, sent_at: sentAt } : prepared.body));
      let failure: TrackingError;
      try {
        this.settle(batch, await this.transport.send(events, batchId, this.abort.signal), attempts);
        return;
      } catch (error) {
        failure = error instanceof TrackingError ? error : new TrackingError(String(error), { status: null, errorCode: 'NETWORK_ERROR', retriable: true, cause: error });
      }
      const scheduled = this.policy.honoursRetryAfter(failure.retryAfterMs);
      if (!failure.retriable || this.abort.signal.aborted || (!scheduled && !this.policy.canRetry(retries))) {
        const message = failure.retriable && !this.abort.signal.aborted ? `gave up after ${attempts} attempts: ${failure.message}` : failure.message;
        this.fail(batch, failure.withEvents(ids(batch), attempts, message));
        return;
      }
      await this.pause(this.policy.delayMs(retries, failure.retryAfterMs));
      if (!scheduled) retries += 1;
    }
  }

  /** The wait between attempts; ends early when close() gives up (deliver() then fails the batch). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.abort.signal;
      const done = (): void => {
        clearTimeout(this.retryWait);
        this.retryWait = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      // Ref'd: a batch is pending, and its callers' promises must settle before the process exits.
      this.retryWait = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Maps the gateway's answer to each event: accepted, dropped by a privacy rule, or refused with its reasons. */
  private settle(batch: Entry[], reply: GatewayAnswer, attempts: number): void {
    if (reply.kind === 'single') {
      const [entry] = batch;
      const result = reply.answer.tracking_result;
      entry.settle({ ok: true, result: outcomeOf(entry, result?.allowed === false ? result.reason ?? 'dropped' : undefined) });
      return;
    }
    const refused = new Map<number, FieldErrorDetail[]>();
    for (const { index, field, reason } of reply.answer.errors) refused.set(index, [...(refused.get(index) ?? []), { field, reason }]);
    const dropped = new Map(reply.answer.dropped.map(({ index, reason }) => [index, reason]));
    batch.forEach((entry, index) => {
      const details = refused.get(index);
      if (details === undefined) {
        entry.settle({ ok: true, result: outcomeOf(entry, dropped.get(index)) });
        return;
      }
      const eventId = entry.prepared.body.event_id;
      // Inside a 200 bulk answer, but the same refusal a single request gets as 400 INVALID_REQUEST.
      const error = new TrackingError(
        `event ${eventId} (${entry.prepared.body.event_type}) refused: INVALID_REQUEST: ${details.map((detail) => `${detail.field} ${detail.reason}`).join('; ')}`,
        { status: 400, errorCode: 'INVALID_REQUEST', details, retriable: false, eventIds: [eventId], index, attempts },
      );
      this.report(error);
      entry.settle({ ok: false, error, eventId });
    });
  }

  private fail(batch: readonly Entry[], error: TrackingError): void {
    this.report(error);
    for (const entry of batch) entry.settle({ ok: false, error, eventId: entry.prepared.body.event_id });
  }

  private report(error: TrackingError): void {
    try {
      this.onError(error);
    } catch (thrown) {
      // A throwing handler must not stop the sender; the caller still gets the event's rejection.
      process.emitWarning(new TrackingError(`onError threw: ${(thrown as Error).message}`, { status: null, errorCode: 'INTERNAL_ERROR', retriable: false, cause: thrown }));
    }
  }
}

function ids(batch: readonly Entry[]): string[] {
  return batch.map((entry) => entry.prepared.body.event_id);
}

function outcomeOf(entry: Entry, droppedReason: string | undefined): TrackResult {
  const eventId = entry.prepared.body.event_id;
  return droppedReason === undefined ? { eventId, status: 'accepted' } : { eventId, status: 'dropped', reason: droppedReason };
}
