import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { AvroDecodeError, AvroDeserializer, ERASURE_REQUEST_SCHEMA_FILE, TOPICS, readAvroSchema, type ErasureRequestRecord, type SchemaRegistryPort } from '@tracking/contracts';
import { CompactedTopicFollower, FollowedTopicReader, type FollowedRecord } from '@tracking/kafka';
import { ErasureBook, type SubjectIds } from './erasure-book';
import { RequestListeners, type ErasureRequestListener } from './request-listeners';

export interface ErasureListOptions {
  /** Begins the reader's consumer group name (`<name>-erasures-<random>`), so the broker's group list says who reads. */
  readerName: string;
  /** Longest a fetch waits for new records: bounds how long a new request takes to arrive. */
  maxWaitMs?: number;
}

class ErasureRecordError extends Error {
  override readonly name = 'ErasureRecordError';
}

/**
 * The platform's erasure requests, as every instance of every service sees them: follows
 * privacy.erasures.v1 whole from the beginning (a CompactedTopicFollower), ready once caught up to
 * the ends seen at start, then each new request. Services ask `isErased` before writing anything
 * about an event's subject, and act on each request through `onRequest`.
 */
export class ErasureList extends FollowedTopicReader<ErasureRequestRecord> {
  private book = new ErasureBook();
  private reading = this.book;
  private readonly listeners: RequestListeners;
  protected readonly follower: CompactedTopicFollower<ErasureRequestRecord>;
  private readonly deserializer: AvroDeserializer<ErasureRequestRecord>;

  constructor(
    kafka: Kafka,
    registry: SchemaRegistryPort,
    private readonly logger: Logger,
    options: ErasureListOptions,
  ) {
    super();
    this.listeners = new RequestListeners(logger);
    this.deserializer = new AvroDeserializer<ErasureRequestRecord>(registry, readAvroSchema(ERASURE_REQUEST_SCHEMA_FILE).type);
    this.follower = new CompactedTopicFollower<ErasureRequestRecord>(
      kafka,
      logger,
      { topic: TOPICS.privacyErasures, readerName: options.readerName, label: 'erasures', maxWaitMs: options.maxWaitMs },
      {
        decode: (requestId, value, offset) => this.decode(requestId, value, offset),
        begin: (again) => {
          this.reading = again ? new ErasureBook() : this.book;
        },
        apply: (records, catchingUp) => this.apply(records, catchingUp),
        caughtUp: (again) => this.caughtUp(again),
      },
    );
  }

  isErased(customerId: string, ids: SubjectIds): boolean {
    return this.book.isErased(customerId, ids);
  }

  requests(customerId?: string): readonly ErasureRequestRecord[] {
    return this.book.requests(customerId);
  }

  /** Called for every request read at start (initial: true) and each new one after, one at a time per listener. */
  onRequest(listener: ErasureRequestListener): void {
    this.listeners.add(listener, this.book.requests());
  }

  /** Resolves once every listener has finished with every request handed to it so far (tests, shutdown). */
  listenersIdle(): Promise<void> {
    return this.listeners.idle();
  }

  private apply(records: ReadonlyArray<FollowedRecord<ErasureRequestRecord>>, catchingUp: boolean): void {
    const arrived: ErasureRequestRecord[] = [];
    for (const { key, value } of records) {
      const request = (catchingUp ? this.reading : this.book).apply(key, value);
      if (request && !catchingUp) arrived.push(request);
    }
    if (arrived.length > 0) {
      this.logger.info({ requests: arrived.map((request) => ({ requestId: request.request_id, customerId: request.customer_id })) }, 'erasure requests arrived');
      this.listeners.emit(arrived, false);
    }
  }

  private caughtUp(again: boolean): void {
    if (again) {
      // Read again after a crash: only what the earlier reading did not have is new.
      const arrived = this.reading.requests().filter((request) => !this.book.has(request.request_id));
      this.book = this.reading;
      this.listeners.emit(arrived, false);
    } else {
      this.listeners.emit(this.book.requests(), true, true);
    }
    this.logger.info({ topic: TOPICS.privacyErasures, requests: this.book.size }, 'erasure list read');
  }

  /** A record that cannot be read is skipped and logged: the request must be published again. */
  private async decode(requestId: string, value: Buffer, offset: string): Promise<ErasureRequestRecord | undefined> {
    try {
      const request = await this.deserializer.deserialize(value);
      if (request.request_id !== requestId) throw new ErasureRecordError(`its request_id ${request.request_id} differs from its key`);
      return request;
    } catch (error) {
      if (!(error instanceof AvroDecodeError) && !(error instanceof ErasureRecordError)) throw error;
      this.logger.error({ err: error, requestId, offset }, `a record of ${TOPICS.privacyErasures} cannot be read; publish the request again`);
      return undefined;
    }
  }
}
