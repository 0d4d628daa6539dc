import {
  CompressionTypes,
  Partitioners,
  type Kafka,
  type Message,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

const CODECS: Record<Compression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

export interface PublisherOptions {
  compression?: Compression;
  /** Upper bound for one send, including the broker's acknowledgement. */
  timeoutMs?: number;
}

/** Records for one topic, as part of a send that may span several topics. */
export interface TopicRecords {
  topic: string;
  messages: Message[];
}

/**
 * An idempotent producer must not give up on a batch (kafkajs warns that bounded retries can break
 * its sequence numbers); callers bound their wait with a deadline instead.
 */
const IDEMPOTENT_RETRY = { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5000 };

/** A broker that did not acknowledge: the caller must not report success. Retriable. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  readonly retriable = true;
}

/**
 * Idempotent producer with acks=all: a send resolves only once every in-sync replica has the
 * records, and broker-side retries never duplicate them.
 */
export class KafkaPublisher {
  private readonly producer: Producer;
  private readonly compression: CompressionTypes;
  private readonly timeoutMs: number;

  constructor(kafka: Kafka, options: PublisherOptions = {}) {
    this.producer = kafka.producer({
      idempotent: true,
      // kafkajs keeps idempotent ordering only with a single request in flight per broker.
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      retry: IDEMPOTENT_RETRY,
    });
    this.compression = CODECS[options.compression ?? 'none'];
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /** Resolves with the partitions and base offsets the broker acknowledged. */
  send(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
    return this.sendBatch([{ topic, messages }]);
  }

  /** Records for several topics in one produce request per broker. */
  async sendBatch(batch: readonly TopicRecords[]): Promise<RecordMetadata[]> {
    const records = batch.reduce((sum, target) => sum + target.messages.length, 0);
    // The idempotent producer retries without end while the broker is away; callers get a bounded
    // answer instead. A send that lands after the deadline is harmless: consumers dedupe on event id.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([
        this.producer.sendBatch({ topicMessages: [...batch], acks: -1, timeout: this.timeoutMs, compression: this.compression }),
        deadline,
      ]);
    } catch (error) {
      const topics = [...new Set(batch.map((target) => target.topic))].join(', ');
      throw new PublishError(`Kafka did not acknowledge ${records} record(s) on ${topics}: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
