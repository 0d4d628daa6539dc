import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { AvroDecodeError, AvroDeserializer, CUSTOMER_DOCUMENTS_SCHEMA_FILE, TOPICS, readAvroSchema, type CustomerDocuments, type SchemaRegistryPort } from '@tracking/contracts';
import { CompactedTopicFollower, FollowedTopicReader, type FollowedRecord } from '@tracking/kafka';
import { CustomerBook, type CustomerChange } from './customer-book';
import type { CustomerChangeListener, CustomerSource } from './customer-source';
import { ChangeListeners } from './listeners';

class CustomerRecordError extends Error {
  override readonly name = 'CustomerRecordError';
}

export interface TopicCustomerSourceOptions {
  /** Begins the reader's consumer group name (`<name>-customers-<random>`), so the broker's group list says who reads. */
  readerName: string;
  /** Longest a fetch waits for new records: bounds how long a change takes to arrive. */
  maxWaitMs?: number;
}

/**
 * Follows the compacted topic tracking.customers.v1 (a CompactedTopicFollower: read whole at
 * start, ready once caught up, then each record as it arrives) into a book of customers. A reader
 * reading everything again after a crash reads into a book of its own and hands out only what
 * differs once complete.
 */
export class TopicCustomerSource extends FollowedTopicReader<CustomerDocuments> implements CustomerSource {
  readonly description = `topic ${TOPICS.customers}`;
  readonly shared = true;
  private book = new CustomerBook();
  private reading = this.book;
  private readonly listeners: ChangeListeners;
  protected readonly follower: CompactedTopicFollower<CustomerDocuments>;
  private readonly deserializer: AvroDeserializer<CustomerDocuments>;

  constructor(
    kafka: Kafka,
    registry: SchemaRegistryPort,
    private readonly logger: Logger,
    options: TopicCustomerSourceOptions,
  ) {
    super();
    this.listeners = new ChangeListeners(logger);
    this.deserializer = new AvroDeserializer<CustomerDocuments>(registry, readAvroSchema(CUSTOMER_DOCUMENTS_SCHEMA_FILE).type);
    this.follower = new CompactedTopicFollower<CustomerDocuments>(
      kafka,
      logger,
      { topic: TOPICS.customers, readerName: options.readerName, label: 'customers', maxWaitMs: options.maxWaitMs },
      {
        decode: (customerId, value, offset) => this.decode(customerId, value, offset),
        begin: (again) => {
          this.reading = again ? new CustomerBook() : this.book;
        },
        apply: (records, catchingUp) => this.apply(records, catchingUp),
        caughtUp: (again) => this.caughtUp(again),
      },
    );
  }

  documents(): ReadonlyMap<string, CustomerDocuments> {
    return this.book.snapshot();
  }

  onChange(listener: CustomerChangeListener): void {
    this.listeners.add(listener, this.book.snapshot());
  }

  override async check(): Promise<void> {
    const reason = this.follower.notReadyReason();
    if (reason) throw new Error(`customer configuration not read yet from ${TOPICS.customers}${reason.slice(reason.indexOf(' ('))}`);
  }

  private apply(records: ReadonlyArray<FollowedRecord<CustomerDocuments>>, catchingUp: boolean): void {
    const changes: CustomerChange[] = [];
    for (const { key, value } of records) {
      const change = (catchingUp ? this.reading : this.book).apply(key, value);
      if (change && !catchingUp) changes.push(change);
    }
    if (catchingUp) return;
    this.listeners.emit(changes);
    for (const change of changes) {
      const documents = change.documents;
      this.logger.info(
        documents
          ? { customerId: change.customerId, appliedBy: documents.applied_by, appliedAt: new Date(documents.applied_at).toISOString(), appliedVia: documents.applied_via, changedFiles: documents.changed_files }
          : { customerId: change.customerId, removed: true },
        'customer configuration changed',
      );
    }
  }

  private caughtUp(again: boolean): void {
    if (again) {
      const changes = this.book.changesTo(this.reading);
      this.book = this.reading;
      this.listeners.emit(changes);
    } else {
      this.listeners.emit(
        [...this.book.snapshot().values()].map((documents) => ({ customerId: documents.customer_id, documents })),
        true,
      );
    }
    this.logger.info({ source: this.description, customers: this.book.size }, 'customer configuration read');
  }

  /** A record that cannot be read keeps the customer's previous documents: one bad write must not remove a customer. */
  private async decode(customerId: string, value: Buffer, offset: string): Promise<CustomerDocuments | undefined> {
    try {
      const documents = await this.deserializer.deserialize(value);
      if (documents.customer_id !== customerId) throw new CustomerRecordError(`its customer_id ${documents.customer_id} differs from its key`);
      return documents;
    } catch (error) {
      // The registry not answering is retried (kafkajs reads the batch again); only a record that can never be read is skipped.
      if (!(error instanceof AvroDecodeError) && !(error instanceof CustomerRecordError)) throw error;
      this.logger.error({ err: error, customerId, offset }, `a record of ${TOPICS.customers} cannot be read; the customer keeps its previous configuration`);
      return undefined;
    }
  }
}
