import type { Consumer, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

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
}

/**
 * Consumes whole fetched batches per partition and commits the batch's last offset + 1 only after
 * the handler resolved. If the process dies before that commit, the batch is read again, so
 * handlers must be idempotent (they are: inserts on natural keys).
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private running = false;

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
    this.logger.info({ groupId: this.options.groupId, topics: this.options.topics }, 'consumer started');
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
    const records: ConsumedRecord[] = batch.messages.map((message) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
      timestamp: message.timestamp,
    }));
    // A fetch can hold tens of thousands of records. Handled in slices, each committed and followed by
    // a heartbeat, no single transaction outlasts the session timeout (the group would evict us and
    // the whole fetch would be read again), and a stop takes effect between slices.
    const size = this.options.maxRecordsPerCall ?? 2000;
    for (let start = 0; start < records.length; start += size) {
      if (!isRunning() || isStale()) return;
      const slice = records.slice(start, start + size);
      await handler({ topic: batch.topic, partition: batch.partition, records: slice });
      const last = start + size >= records.length ? batch.lastOffset() : slice[slice.length - 1].offset;
      resolveOffset(last);
      await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      await heartbeat();
    }
  }
}
