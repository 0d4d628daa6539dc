import { PublishError, type KafkaPublisher, type TopicRecords } from './kafka-publisher';

export interface CoalescingOptions {
  /** How long the first record of a batch waits for company. */
  lingerMs: number;
  /** A batch is sent as soon as it holds this many records. */
  maxRecords: number;
  /**
   * Records waiting or in flight beyond which new publishes are refused at once: while Kafka is away
   * callers get an immediate error (the gateway answers 503) instead of memory growing without bound.
   */
  maxQueuedRecords?: number;
  /** Told about every produce request: its size, duration and whether the broker acknowledged it. */
  onSend?: (records: number, seconds: number, acknowledged: boolean) => void;
}

interface Waiting {
  batch: readonly TopicRecords[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the records of concurrent callers into shared produce requests: the first caller waits at
 * most `lingerMs`, a full batch leaves at once. Each caller's promise settles with the request that
 * carried its records, so "resolved" still means "acknowledged by Kafka".
 */
export class CoalescingPublisher {
  private waiting: Waiting[] = [];
  private waitingRecords = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private inFlightRecords = 0;

  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly options: CoalescingOptions,
  ) {}

  /** Throws PublishError at once (not later) when the queue is full, so even fire-and-forget callers notice. */
  publish(batch: readonly TopicRecords[]): Promise<void> {
    const records = batch.reduce((sum, target) => sum + target.messages.length, 0);
    if (records === 0) return Promise.resolve();
    const queued = this.waitingRecords + this.inFlightRecords;
    if (this.options.maxQueuedRecords !== undefined && queued + records > this.options.maxQueuedRecords) {
      throw new PublishError(`${queued} records are already waiting for Kafka; refusing more until it catches up`);
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ batch, resolve, reject });
      this.waitingRecords += records;
      if (this.waitingRecords >= this.options.maxRecords) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.lingerMs);
    });
  }

  /** Sends what waits and resolves once every request in flight has settled (used at shutdown). */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.length === 0) return;
    const callers = this.waiting;
    const records = this.waitingRecords;
    this.waiting = [];
    this.waitingRecords = 0;

    const byTopic = new Map<string, TopicRecords['messages']>();
    for (const { batch } of callers) {
      for (const target of batch) byTopic.set(target.topic, [...(byTopic.get(target.topic) ?? []), ...target.messages]);
    }
    const started = process.hrtime.bigint();
    this.inFlightRecords += records;
    const request = this.publisher.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages }))).then(
      () => {
        this.options.onSend?.(records, Number(process.hrtime.bigint() - started) / 1e9, true);
        for (const caller of callers) caller.resolve();
      },
      (error: unknown) => {
        this.options.onSend?.(records, Number(process.hrtime.bigint() - started) / 1e9, false);
        for (const caller of callers) caller.reject(error);
      },
    );
    this.inFlight.add(request);
    void request.finally(() => {
      this.inFlight.delete(request);
      this.inFlightRecords -= records;
    });
  }
}
