import type { Kafka, Message, Producer } from 'kafkajs';
import { CUSTOMER_DOCUMENTS_SCHEMA_FILE, TOPICS, type CustomerDocuments, type SchemaRegistryPort } from '@tracking/contracts';
import { AvroTopicWriter } from '@tracking/kafka';

/**
 * Writes customers to tracking.customers.v1: a record per customer (key: its id), a tombstone to
 * remove one. Acknowledged by every in-sync replica, idempotent, so a change an operator was told
 * is applied is not lost.
 */
export class CustomerDocumentsPublisher {
  private producer?: Producer;
  private writer?: AvroTopicWriter<CustomerDocuments>;

  constructor(
    private readonly kafka: Kafka,
    private readonly registry: SchemaRegistryPort,
  ) {}

  async connect(): Promise<void> {
    this.writer ??= await AvroTopicWriter.create<CustomerDocuments>(this.registry, {
      topic: TOPICS.customers,
      schemaFile: CUSTOMER_DOCUMENTS_SCHEMA_FILE,
      key: (documents) => documents.customer_id,
      timestamp: (documents) => documents.applied_at,
    });
    if (!this.producer) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      this.producer = producer;
    }
  }

  async publish(records: readonly CustomerDocuments[]): Promise<void> {
    if (records.length === 0) return;
    await this.connect();
    await this.send(records.map((record) => (this.writer as AvroTopicWriter<CustomerDocuments>).toMessage(record)));
  }

  /**
   * Removes customers. A tombstone has no value to say who removed the customer, so its headers do
   * (`applied-by`, `applied-at`, `applied-via`); compaction keeps it for delete.retention.ms, then nothing.
   */
  async remove(customerIds: readonly string[], author: { by: string; at: number; via: string }): Promise<void> {
    if (customerIds.length === 0) return;
    await this.connect();
    const headers = { 'applied-by': author.by, 'applied-at': new Date(author.at).toISOString(), 'applied-via': author.via };
    await this.send(customerIds.map((customerId) => ({ key: customerId, value: null, headers })));
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async send(messages: Message[]): Promise<void> {
    await (this.producer as Producer).send({ topic: TOPICS.customers, acks: -1, messages });
  }
}
