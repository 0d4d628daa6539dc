import type { AuditRecord } from '@tracking/contracts';
import { AvroTopicWriter } from '../avro-topic-writer';
import type { ConfluentSchemaRegistryAdapter } from '../schema-registry.adapter';
import { AUDIT_TOPIC } from '../topic-writers';
import type { ServicePublisher } from './service-publisher';

/**
 * A consuming service's audit records (its admin and read routes, issue 20) to tracking.audit.v1,
 * through the service's one producer. The writer is made on first use, not at start: a registry
 * that is away at start must not stop the consumer, and a failed attempt is tried again next time.
 */
export class AuditTopicSink {
  private writer?: Promise<AvroTopicWriter<AuditRecord>>;

  constructor(
    private readonly publisher: ServicePublisher,
    private readonly registry: ConfluentSchemaRegistryAdapter,
  ) {}

  async write(record: AuditRecord): Promise<void> {
    this.writer ??= AvroTopicWriter.create(this.registry, AUDIT_TOPIC);
    let writer: AvroTopicWriter<AuditRecord>;
    try {
      writer = await this.writer;
    } catch (error) {
      this.writer = undefined;
      throw error;
    }
    await this.publisher.send(writer.topic, [writer.toMessage(record)]);
  }
}
