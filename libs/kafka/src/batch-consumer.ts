import type { Consumer, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { ReplayBounds } from '@tracking/config';
import { HEADERS, customerOfSource } from '@tracking/contracts';

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** Broker timestamp, epoch milliseconds as a string (kafkajs keeps it a string). */
  timestamp: string;
}

export interface RecordBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
}

/** Makes the batch's side effects durable; the batch's offsets are committed only after it resolves. */
export type BatchHandler = (batch: RecordBatch) => Promise<void>;

export interface BatchConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group without committed offsets starts. */
  fromBeginning: boolean;
  sessionTimeoutMs?: number;
  maxBytesPerPartition?: number;
  /** Records handed to the handler at once (one transaction each); default 2000. */
  maxRecordsPerCall?: number;
  /** A bounded replay (tracking replay --to/--customer): stop offsets, one customer, and what to do once every listed partition reached its stop. */
  bounds?: ReplayBounds & { onDrained: () => void };
}

/** The customer a record belongs to: its CloudEvents source header, else its key's customer part (`customer:session`, or the customer id). */
export function customerOfRecord(record: Pick<ConsumedRecord, 'headers' | 'key'>): string | undefined {
  const source = record.headers[HEADERS.source];
  const fromHeader = customerOfSource((Array.isArray(source) ? source[0] : source)?.toString());
  if (fromHeader !== undefined) return fromHeader;
  const key = record.key?.toString();
  return key ? key.split(':')[0] : undefined;
}

/**
 * Consumes whole fetched batches per partition and commits the batch's last offset + 1 only after
 * the handler resolved. If the process dies before that commit, the batch is read again, so
 * handlers must be idempotent (they are: inserts on natural keys).
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private running = false;
  /** Bounded replay: partitions (`topic:partition`) not yet at their stop offset. */
  private readonly remaining = new Set<string>();

  constructor(
    kafka: Kafka,
    private readonly options: BatchConsumerOptions,
    private readonly logger: Logger,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      // An idle fetch waits this long for data; stopping waits for that fetch, so keep it short.
      maxWaitTimeInMs: 1000,
      allowAutoTopicCreation: false,
    });
    for (const [topic, partitions] of Object.entries(options.bounds?.stopOffsets ?? {})) {
      for (const partition of Object.keys(partitions)) this.remaining.add(`${topic}:${partition}`);
    }
  }

  async start(handler: BatchHandler): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning });
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload, handler),
    });
    this.logger.info({ groupId: this.options.groupId, topics: this.options.topics, bounded: Boolean(this.options.bounds) }, 'consumer started');
    if (this.options.bounds && this.remaining.size === 0) this.options.bounds.onDrained();
  }

  isRunning(): boolean {
    return this.running;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    // disconnect() waits for the batch in flight, so its commit still happens.
    await this.consumer.disconnect();
    this.logger.info({ groupId: this.options.groupId }, 'consumer stopped');
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, handler: BatchHandler): Promise<void> {
    if (batch.messages.length === 0) return;
    let records: ConsumedRecord[] = batch.messages.map((message) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
      timestamp: message.timestamp,
    }));
    const bounds = this.options.bounds;
    let reachedStop = false;
    /** Bounded: the last record below the stop offset, handled or filtered out (the position must pass it either way). */
    let lastExamined: string | undefined;
    if (bounds) {
      const stopText = bounds.stopOffsets[batch.topic]?.[String(batch.partition)];
      if (stopText === undefined) {
        // Nothing of this partition is in the replay.
        this.consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
        return;
      }
      const stop = BigInt(stopText);
      const before = records.length;
      records = records.filter((record) => BigInt(record.offset) < stop);
      reachedStop = records.length < before || (records.length > 0 && BigInt(records[records.length - 1].offset) + 1n >= stop);
      lastExamined = records[records.length - 1]?.offset;
      if (bounds.customer !== undefined) records = records.filter((record) => customerOfRecord(record) === bounds.customer);
    }
    // A fetch can hold tens of thousands of records. Handled in slices, each committed and followed by
    // a heartbeat, no single transaction outlasts the session timeout (the group would evict us and
    // the whole fetch would be read again), and a stop takes effect between slices.
    const size = this.options.maxRecordsPerCall ?? 2000;
    for (let start = 0; start < records.length; start += size) {
      if (!isRunning() || isStale()) return;
      const slice = records.slice(start, start + size);
      await handler({ topic: batch.topic, partition: batch.partition, records: slice });
      const last = start + size >= records.length && !bounds ? batch.lastOffset() : slice[slice.length - 1].offset;
      resolveOffset(last);
      await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      await heartbeat();
    }
    if (bounds && lastExamined !== undefined && isRunning() && !isStale()) {
      // Records of other customers were filtered out: without moving past them the next fetch would return them again, forever.
      resolveOffset(lastExamined);
      await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(lastExamined) + 1n).toString() }]);
    }
    if (bounds && reachedStop) this.partitionDone(batch.topic, batch.partition, bounds);
  }

  private partitionDone(topic: string, partition: number, bounds: NonNullable<BatchConsumerOptions['bounds']>): void {
    if (!this.remaining.delete(`${topic}:${partition}`)) return;
    this.consumer.pause([{ topic, partitions: [partition] }]);
    this.logger.info({ topic, partition, left: this.remaining.size }, 'replay reached its stop offset');
    if (this.remaining.size === 0) bounds.onDrained();
  }
}

/** Bounds of a replay run that ends the process (gracefully, through its SIGTERM handler) once every partition is done. */
export function replayBoundsEndingProcess(bounds: ReplayBounds | undefined, logger: Logger): BatchConsumerOptions['bounds'] {
  if (!bounds) return undefined;
  return {
    ...bounds,
    onDrained: () => {
      logger.info({ customer: bounds.customer ?? null }, 'replay reached its end; stopping');
      process.kill(process.pid, 'SIGTERM');
    },
  };
}
