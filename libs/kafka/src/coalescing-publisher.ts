import { PublishError, type KafkaPublisher, type TopicRecords } from './kafka-publisher';

export interface CoalescingOptions {
  /** How long the first record waits for company when no request is in flight. */
  lingerMs: number;
  /** Records in one produce request at most (a caller's records are never split). */
  maxRecords: number;
  /**
   * Records waiting or in flight beyond which new publishes are refused at once: while Kafka is away
   * callers get an immediate error (the gateway answers 503) instead of memory growing without bound.
   */
  maxQueuedRecords?: number;
  /**
   * The same bound in bytes of record keys and values: a few large records (a bulk request of 500
   * events of 16 KB) hold as much memory as thousands of small ones.
   */
  maxQueuedBytes?: number;
  /**
   * The longest a caller waits, queued and in flight together, before its promise rejects with a
   * PublishError (the gateway answers 503 within its deadline, not after two round trips of a broker
   * that is away). A caller still queued then is never sent; one in flight may still land.
   */
  deadlineMs?: number;
  /** Told about every produce request: its size, duration and whether the broker acknowledged it. */
  onSend?: (records: number, seconds: number, acknowledged: boolean) => void;
  /** Told once about a produce request still unanswered after `slowSendMs` (a broker away, a partition without enough replicas). */
  onSlowSend?: () => void;
  slowSendMs?: number;
}

interface Waiting {
  batch: readonly TopicRecords[];
  records: number;
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
  deadline?: NodeJS.Timeout;
}

/**
 * Gathers the records of concurrent callers into shared produce requests, by group commit: one
 * request is in flight at a time (KafkaPublisher sends one at a time anyway, see its comment on
 * sequence numbers), and while it waits for its acknowledgement every new caller joins the next one,
 * which leaves as soon as the first returns, up to `maxRecords`. Under load the requests grow with
 * the load instead of queueing one small batch per round trip; when idle the first caller waits at
 * most `lingerMs`. Each caller's promise settles with the request that carried its records, so
 * "resolved" still means "acknowledged by Kafka".
 */
export class CoalescingPublisher {
  private waiting: Waiting[] = [];
  private waitingRecords = 0;
  private waitingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private sendingRecords = 0;
  private sendingBytes = 0;

  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly options: CoalescingOptions,
  ) {}

  /** Throws PublishError at once (not later) when the queue is full, so even fire-and-forget callers notice. */
  publish(batch: readonly TopicRecords[]): Promise<void> {
    const records = batch.reduce((sum, target) => sum + target.messages.length, 0);
    if (records === 0) return Promise.resolve();
    const bytes = batchBytes(batch);
    const queued = this.waitingRecords + this.sendingRecords;
    const queuedBytes = this.waitingBytes + this.sendingBytes;
    const { maxQueuedRecords, maxQueuedBytes } = this.options;
    // An empty queue takes any caller, however large, so that no request is refused for good.
    if (queued > 0 && ((maxQueuedRecords !== undefined && queued + records > maxQueuedRecords) || (maxQueuedBytes !== undefined && queuedBytes + bytes > maxQueuedBytes))) {
      throw new PublishError(`${queued} records (${queuedBytes} bytes) are already waiting for Kafka; refusing more until it catches up`);
    }
    return new Promise<void>((resolve, reject) => {
      const caller: Waiting = { batch, records, bytes, resolve, reject };
      if (this.options.deadlineMs !== undefined) caller.deadline = setTimeout(() => this.expire(caller), this.options.deadlineMs);
      this.waiting.push(caller);
      this.waitingRecords += records;
      this.waitingBytes += bytes;
      // While a request is in flight, its return sends what gathered meanwhile.
      if (this.sending) return;
      if (this.waitingRecords >= this.options.maxRecords) this.sendNext();
      else this.timer ??= setTimeout(() => this.sendNext(), this.options.lingerMs);
    });
  }

  /** Sends what waits and resolves once nothing waits or is in flight (used at shutdown). */
  async drain(): Promise<void> {
    this.sendNext();
    while (this.sending) await this.sending;
  }

  private sendNext(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending || this.waiting.length === 0) return;
    const callers = this.take();
    const records = callers.reduce((sum, caller) => sum + caller.records, 0);
    const bytes = callers.reduce((sum, caller) => sum + caller.bytes, 0);
    const byTopic = new Map<string, Array<TopicRecords['messages'][number]>>();
    for (const { batch } of callers) {
      for (const target of batch) {
        let messages = byTopic.get(target.topic);
        if (!messages) byTopic.set(target.topic, (messages = []));
        for (const message of target.messages) messages.push(message);
      }
    }
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    this.sendingRecords = records;
    this.sendingBytes = bytes;
    const { onSlowSend, slowSendMs } = this.options;
    const slow = onSlowSend && slowSendMs !== undefined ? setTimeout(onSlowSend, slowSendMs) : undefined;
    this.sending = this.publisher.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages }))).then(
      () => {
        clearTimeout(slow);
        this.options.onSend?.(records, seconds(), true);
        for (const caller of callers) {
          clearTimeout(caller.deadline);
          caller.resolve();
        }
      },
      (error: unknown) => {
        clearTimeout(slow);
        this.options.onSend?.(records, seconds(), false);
        for (const caller of callers) {
          clearTimeout(caller.deadline);
          caller.reject(error);
        }
      },
    );
    void this.sending.finally(() => {
      this.sending = undefined;
      this.sendingRecords = 0;
      this.sendingBytes = 0;
      // Group commit: what gathered while this request was out leaves now, without lingering.
      this.sendNext();
    });
  }

  /** The caller's deadline passed: a queued caller leaves the queue unsent; one in flight is told now (a promise settles once). */
  private expire(caller: Waiting): void {
    const queued = this.waiting.indexOf(caller);
    if (queued >= 0) {
      this.waiting.splice(queued, 1);
      this.waitingRecords -= caller.records;
      this.waitingBytes -= caller.bytes;
      caller.reject(new PublishError(`not sent: no produce request could take these records within ${this.options.deadlineMs} ms`));
    } else {
      caller.reject(new PublishError(`Kafka did not acknowledge these records within ${this.options.deadlineMs} ms`));
    }
  }

  /** The oldest callers whose records fit one request (at least one, however large). */
  private take(): Waiting[] {
    let count = 0;
    let records = 0;
    let bytes = 0;
    while (count < this.waiting.length && (count === 0 || records + this.waiting[count].records <= this.options.maxRecords)) {
      records += this.waiting[count].records;
      bytes += this.waiting[count].bytes;
      count += 1;
    }
    const taken = this.waiting.splice(0, count);
    this.waitingRecords -= records;
    this.waitingBytes -= bytes;
    return taken;
  }
}

/** Bytes of the records' keys and values (headers are a few short names). */
function batchBytes(batch: readonly TopicRecords[]): number {
  let bytes = 0;
  for (const target of batch) {
    for (const { key, value } of target.messages) bytes += byteLength(key) + byteLength(value);
  }
  return bytes;
}

function byteLength(data: Buffer | string | null | undefined): number {
  if (data === null || data === undefined) return 0;
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}
