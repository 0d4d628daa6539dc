import type { Kafka, Producer } from 'kafkajs';
import {
  ERASURE_REPORT_SCHEMA_FILE,
  ERASURE_REQUEST_SCHEMA_FILE,
  TOPICS,
  erasureReportKey,
  type ErasureReport,
  type ErasureRequestRecord,
  type SchemaRegistryPort,
} from '@tracking/contracts';
import { AvroTopicWriter, type AvroTopicDefinition } from '@tracking/kafka';

/**
 * Writes records of one privacy topic, acknowledged by every in-sync replica and idempotent: a
 * request an operator was told is recorded, or a report a status shows, is not lost.
 */
class PrivacyTopicPublisher<T> {
  private producer?: Producer;
  private writer?: AvroTopicWriter<T>;

  constructor(
    private readonly kafka: Kafka,
    private readonly registry: SchemaRegistryPort,
    private readonly definition: AvroTopicDefinition<T>,
  ) {}

  async connect(): Promise<void> {
    this.writer ??= await AvroTopicWriter.create<T>(this.registry, this.definition);
    if (!this.producer) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      this.producer = producer;
    }
  }

  async publish(record: T): Promise<void> {
    await this.connect();
    const writer = this.writer as AvroTopicWriter<T>;
    await (this.producer as Producer).send({ topic: writer.topic, acks: -1, messages: [writer.toMessage(record)] });
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }
}

/** Records erasure requests on privacy.erasures.v1 (key: request id). */
export class ErasurePublisher {
  private readonly publisher: PrivacyTopicPublisher<ErasureRequestRecord>;

  constructor(kafka: Kafka, registry: SchemaRegistryPort) {
    this.publisher = new PrivacyTopicPublisher(kafka, registry, {
      topic: TOPICS.privacyErasures,
      schemaFile: ERASURE_REQUEST_SCHEMA_FILE,
      key: (request) => request.request_id,
      timestamp: (request) => request.requested_at,
    });
  }

  connect(): Promise<void> {
    return this.publisher.connect();
  }

  /** Resolves once every in-sync replica has the request. */
  publish(request: ErasureRequestRecord): Promise<void> {
    return this.publisher.publish(request);
  }

  disconnect(): Promise<void> {
    return this.publisher.disconnect();
  }
}

/** Records what a place did with a request on privacy.erasure-reports.v1 (key: `<request_id>/<place>`, the latest wins). */
export class ErasureReporter {
  private readonly publisher: PrivacyTopicPublisher<ErasureReport>;

  constructor(kafka: Kafka, registry: SchemaRegistryPort) {
    this.publisher = new PrivacyTopicPublisher(kafka, registry, {
      topic: TOPICS.privacyErasureReports,
      schemaFile: ERASURE_REPORT_SCHEMA_FILE,
      key: (report) => erasureReportKey(report.request_id, report.place),
      timestamp: (report) => report.finished_at,
    });
  }

  connect(): Promise<void> {
    return this.publisher.connect();
  }

  report(report: ErasureReport): Promise<void> {
    return this.publisher.publish(report);
  }

  disconnect(): Promise<void> {
    return this.publisher.disconnect();
  }
}
