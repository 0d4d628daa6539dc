import {
  AUDIT_RECORD_SCHEMA_FILE,
  AvroDeserializer,
  RecordRejectedError,
  TOPICS,
  REJECTED_EVENT_SCHEMA_FILE,
  TRACKING_EVENT_SCHEMA_FILE,
  auditRecordProblems,
  readAvroSchema,
  rejectedEventProblems,
  trackingEventProblems,
  type AuditRecord,
  type RejectedEvent,
  type SchemaRegistryPort,
  type TrackingEvent,
} from '@tracking/contracts';
import type { ConsumedRecord } from './consumed-record';
import type { DecodedRecord, RejectedRecord } from './consumer-batch';

interface RecordType<T> {
  schemaFile: string;
  problems(value: T): string[];
}

/** The topics a service may consume, each with its reader schema and the checks after decoding. */
const CONSUMED_TYPES = {
  [TOPICS.trackingEvents]: { schemaFile: TRACKING_EVENT_SCHEMA_FILE, problems: trackingEventProblems } satisfies RecordType<TrackingEvent>,
  [TOPICS.trackingAudit]: { schemaFile: AUDIT_RECORD_SCHEMA_FILE, problems: auditRecordProblems } satisfies RecordType<AuditRecord>,
  [TOPICS.trackingEventsRejected]: { schemaFile: REJECTED_EVENT_SCHEMA_FILE, problems: rejectedEventProblems } satisfies RecordType<RejectedEvent>,
} as const;

export type ConsumableTopic = keyof typeof CONSUMED_TYPES;

export function isConsumableTopic(topic: string): topic is ConsumableTopic {
  return Object.hasOwn(CONSUMED_TYPES, topic);
}

interface TopicDecoder {
  deserializer: AvroDeserializer<unknown>;
  problems(value: unknown): string[];
}

/**
 * Decodes records into the reader schema this code was built with and checks them. A record that
 * can never be read (no value, not Avro, a check failing) comes back rejected with the reason; a
 * registry that does not answer throws, so the batch is tried again.
 */
export class RecordDecoders {
  private readonly decoders = new Map<string, TopicDecoder>();

  constructor(private readonly registry: SchemaRegistryPort) {}

  async decode<T>(topic: string, records: readonly ConsumedRecord[]): Promise<{ decoded: Array<DecodedRecord<T>>; rejected: RejectedRecord[] }> {
    const decoder = this.decoderOf(topic);
    const decoded: Array<DecodedRecord<T>> = [];
    const rejected: RejectedRecord[] = [];
    for (const record of records) {
      try {
        if (!record.value) throw new RecordRejectedError('record has no value');
        const { value, schemaId } = await decoder.deserializer.deserializeWithSchemaId(record.value);
        const problems = decoder.problems(value);
        if (problems.length > 0) throw new RecordRejectedError(`invalid record: ${problems.join('; ')}`);
        decoded.push({ record, value: value as T, schemaId });
      } catch (error) {
        if (!(error instanceof RecordRejectedError)) throw error;
        rejected.push({ record, reason: error.message });
      }
    }
    return { decoded, rejected };
  }

  private decoderOf(topic: string): TopicDecoder {
    let decoder = this.decoders.get(topic);
    if (!decoder) {
      if (!isConsumableTopic(topic)) throw new Error(`no record type is declared for topic ${topic}`);
      const type = CONSUMED_TYPES[topic] as RecordType<unknown>;
      decoder = { deserializer: new AvroDeserializer<unknown>(this.registry, readAvroSchema(type.schemaFile).type), problems: type.problems };
      this.decoders.set(topic, decoder);
    }
    return decoder;
  }
}
