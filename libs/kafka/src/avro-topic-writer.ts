import type { Message } from 'kafkajs';
import {
  createAvroSerializer,
  readAvroSchema,
  valueSubject,
  type AvroSerializer,
  type SchemaRegistryPort,
  type TopicName,
} from '@tracking/contracts';

export interface AvroTopicDefinition<T> {
  topic: TopicName;
  schemaFile: string;
  key: (record: T) => string;
  headers?: (record: T) => Record<string, string>;
  /** Epoch milliseconds used as the record's Kafka timestamp. */
  timestamp?: (record: T) => number;
}

/**
 * Turns records of one topic into Kafka messages: value Avro-encoded against the schema registered
 * under `<topic>-value`, key and headers from the definition.
 */
export class AvroTopicWriter<T> {
  private constructor(
    private readonly definition: AvroTopicDefinition<T>,
    private readonly serializer: AvroSerializer<T>,
  ) {}

  static async create<T>(registry: SchemaRegistryPort, definition: AvroTopicDefinition<T>): Promise<AvroTopicWriter<T>> {
    const serializer = await createAvroSerializer<T>(registry, valueSubject(definition.topic), readAvroSchema(definition.schemaFile));
    return new AvroTopicWriter(definition, serializer);
  }

  get topic(): TopicName {
    return this.definition.topic;
  }

  get schemaId(): number {
    return this.serializer.schemaId;
  }

  toMessage(record: T): Message {
    const timestamp = this.definition.timestamp?.(record);
    return {
      key: this.definition.key(record),
      value: this.serializer.serialize(record),
      ...(this.definition.headers ? { headers: this.definition.headers(record) } : {}),
      ...(timestamp !== undefined ? { timestamp: String(timestamp) } : {}),
    };
  }

  records(records: readonly T[]): { topic: TopicName; messages: Message[] } {
    return { topic: this.definition.topic, messages: records.map((record) => this.toMessage(record)) };
  }
}
