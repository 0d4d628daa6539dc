import {
  CompressionTypes,
  Partitioners,
  type Kafka,
  type Message,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
import { DependencyUnavailableError } from '@tracking/contracts';
import { prepareKafkajs } from './prepare-kafkajs';

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
export class PublishError extends DependencyUnavailableError {
  override readonly name = 'PublishError';
}

/**
 * Idempotent producer with acks=all: a send resolves only once every in-sync replica has the
 * records, and broker-side retries never duplicate them.
 *
 * Sends run one at a time, and a producer whose send failed or outlived its deadline is replaced by
 * a new one (a new producer id) before the next send. The reason: when a produce request fails,
 * kafkajs gives its sequence numbers back, even if the broker had appended the records before the
 * connection dropped (a broker stopping or killed). Any later batch would take those numbers, and
 * the broker, seeing the same producer, sequence and record count again, would acknowledge it as a
 * duplicate of the appended batch without writing it: an acknowledged record lost, as the Kafka
 * outage drill found. A failed request retried alone reuses its own numbers, which is safe; a new
 * producer id starts sequences the broker cannot confuse with the old ones.
 */
export class KafkaPublisher {
  private producer: Producer;
  private connecting: Promise<void> = Promise.resolve();
  private readonly compression: CompressionTypes;
  private readonly timeoutMs: number;
  /** Settles when the send in progress has succeeded, failed or passed its deadline. */
  private tail: Promise<void> = Promise.resolve();
  /** The current producer's sequence numbers may be out of step with the broker's: replace it. */
  private renew = false;
  /** topic:partition where the producer's partitioner last placed each message (it places them again on every retry). */
  private readonly placed = new WeakMap<Message, string>();

  constructor(
    private readonly kafka: Kafka,
    options: PublisherOptions = {},
  ) {
    // The Kafka client may come from anywhere; the codec must be there before the first send.
    prepareKafkajs();
    this.producer = this.newProducer();
    this.compression = CODECS[options.compression ?? 'none'];
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  connect(): Promise<void> {
    this.connecting = this.producer.connect();
    return this.connecting;
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
    let expired = false;
    let started = false;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        reject(new Error(`no acknowledgement within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    const attempt = this.tail.then(async () => {
      // The caller has been told it failed and may have sent the records again; do not add a copy.
      if (expired) throw new Error('not sent: the deadline passed while earlier sends held the producer');
      started = true;
      if (this.renew) this.renewProducer();
      const producer = this.producer;
      await this.connecting;
      if (expired) throw new Error('not sent: the deadline passed while the producer connected');
      try {
        const metadata = await producer.sendBatch({ topicMessages: [...batch], acks: -1, timeout: this.timeoutMs, compression: this.compression });
        this.expectEveryPartition(batch, metadata);
        return metadata;
      } finally {
        // Replaced while this send still retried: those retries may have reconnected it.
        if (producer !== this.producer) void producer.disconnect().catch(() => undefined);
      }
    });
    const outcome = Promise.race([attempt, deadline]);
    // The next send waits for this one's answer or deadline, never longer; after a failure it gets a new producer.
    this.tail = outcome.then(
      () => undefined,
      () => {
        if (started) this.renew = true;
      },
    );
    try {
      return await outcome;
    } catch (error) {
      const topics = [...new Set(batch.map((target) => target.topic))].join(', ');
      throw new PublishError(`Kafka did not acknowledge ${records} record(s) on ${topics}: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * kafkajs 2.2.4 can report success for records it never sent: when a send is retried after a
   * leader moved (a broker stopped or died), partitions now led by a broker that already answered an
   * earlier attempt of the same send are left out of the retry, and the send resolves with that
   * broker's earlier answer (the cluster drills lost acknowledged events this way). The answer must
   * name every partition the records were placed on; if one is missing the send failed, and the
   * caller sends the records again (a partial copy on the log is deduplicated by event id downstream).
   */
  private expectEveryPartition(batch: readonly TopicRecords[], metadata: readonly RecordMetadata[]): void {
    const answered = new Set(metadata.map((entry) => `${entry.topicName}:${entry.partition}`));
    const unanswered = new Set<string>();
    for (const target of batch) {
      for (const message of target.messages) {
        const place = this.placed.get(message);
        if (place !== undefined && !answered.has(place)) unanswered.add(place);
      }
    }
    if (unanswered.size > 0) {
      throw new Error(`the producer reported success without an acknowledgement for ${[...unanswered].sort().join(', ')} (leaders moved during its retries)`);
    }
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      // kafkajs keeps idempotent ordering only with a single request in flight per broker.
      maxInFlightRequests: 1,
      createPartitioner: () => {
        const partition = Partitioners.DefaultPartitioner();
        return (args) => {
          const placed = partition(args);
          this.placed.set(args.message, `${args.topic}:${placed}`);
          return placed;
        };
      },
      allowAutoTopicCreation: false,
      retry: IDEMPOTENT_RETRY,
    });
  }

  /** The old producer is disconnected; if its retries reconnect it, it is disconnected again when they end (see sendBatch). */
  private renewProducer(): void {
    this.renew = false;
    const previous = this.producer;
    this.producer = this.newProducer();
    void previous.disconnect().catch(() => undefined);
    this.connecting = this.producer.connect();
    // Awaited by the send that needs it; a failure there fails that send, which renews again.
    this.connecting.catch(() => undefined);
  }
}
