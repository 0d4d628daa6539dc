import type { IHeaders } from 'kafkajs';
import type * as avro from 'avsc';
import { TOPICS, decodeWireFormat, type SchemaRegistryPort } from '@tracking/contracts';

/** A record as the consumer hands it over: only the fields the decoder reads. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: string;
  /** Epoch milliseconds as a string, as kafkajs gives it. */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

/**
 * One line of `tail` output (a JSON object per line). The value is the record decoded with the
 * schema it was written with (Avro), or the raw bytes as UTF-8 text, or base64 when they are not
 * valid UTF-8; null for a tombstone.
 */
export interface TailLine {
  topic: string;
  partition: number;
  offset: number;
  /** The record's Kafka timestamp, ISO 8601. */
  timestamp: string;
  /** UTF-8 text; base64 when `keyEncoding` says so; null when the record has no key. */
  key: string | null;
  keyEncoding?: 'base64';
  /** UTF-8 header values; a header sent more than once becomes a list. */
  headers: Record<string, string | string[]>;
  encoding: 'avro' | 'utf8' | 'base64' | 'null';
  /** Registry id of the writer schema, for Avro values. */
  schemaId?: number;
  value: unknown;
  /** Why a value of a topic with a value schema could not be decoded (it is then shown raw). */
  decodeError?: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8OrUndefined(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** avsc gives bytes and fixed as Buffers, which JSON would turn into {type, data}: base64 instead. */
export function toJsonValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, field]) => [name, toJsonValue(field)]));
  }
  return value;
}

export function decodeHeaders(headers: IHeaders | undefined): Record<string, string | string[]> {
  const text = (value: Buffer | string): string => (typeof value === 'string' ? value : value.toString('utf8'));
  const decoded: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    decoded[name] = Array.isArray(value) ? value.map(text) : text(value);
  }
  return decoded;
}

/** tracking.events.v1 carries event_data as JSON text; a reader wants the object. */
function presentValue(topic: string, value: unknown): unknown {
  if (topic !== TOPICS.trackingEvents || value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (typeof record['event_data'] !== 'string') return value;
  try {
    return { ...record, event_data: JSON.parse(record['event_data']) as unknown };
  } catch {
    return value; // not JSON: shown as the text it is
  }
}

/**
 * Decodes records of one topic into tail lines. Values in the Confluent wire format are decoded
 * with their writer schema from the registry, so a line shows exactly what was written, whichever
 * version; other values are shown raw. `expectsAvro` (the topic declares a value schema) makes a
 * value that cannot be decoded worth a `decodeError`.
 */
export class RecordDecoder {
  private readonly types = new Map<number, Promise<avro.Type>>();

  constructor(
    private readonly registry: Pick<SchemaRegistryPort, 'typeById'>,
    private readonly expectsAvro: boolean,
  ) {}

  async decode(record: RawRecord): Promise<TailLine> {
    const key = record.key === null ? null : utf8OrUndefined(record.key);
    return {
      topic: record.topic,
      partition: record.partition,
      offset: Number(record.offset),
      timestamp: new Date(Number(record.timestamp)).toISOString(),
      key: key ?? record.key?.toString('base64') ?? null,
      ...(key === undefined && record.key !== null ? { keyEncoding: 'base64' as const } : {}),
      headers: decodeHeaders(record.headers),
      ...(await this.decodeValue(record.topic, record.value)),
    };
  }

  private async decodeValue(topic: string, value: Buffer | null): Promise<Pick<TailLine, 'encoding' | 'schemaId' | 'value' | 'decodeError'>> {
    if (value === null) return { encoding: 'null', value: null };
    let failure: string | undefined;
    try {
      const { schemaId, payload } = decodeWireFormat(value);
      const type = await this.typeById(schemaId);
      return { encoding: 'avro', schemaId, value: presentValue(topic, toJsonValue(type.fromBuffer(payload))) };
    } catch (error) {
      failure = (error as Error).message;
    }
    const raw = this.raw(value);
    return this.expectsAvro ? { ...raw, decodeError: failure } : raw;
  }

  private raw(value: Buffer): Pick<TailLine, 'encoding' | 'value'> {
    const text = utf8OrUndefined(value);
    return text === undefined ? { encoding: 'base64', value: value.toString('base64') } : { encoding: 'utf8', value: text };
  }

  /** One registry lookup per schema id for the whole run, failures included (a bad id stays bad). */
  private typeById(schemaId: number): Promise<avro.Type> {
    let type = this.types.get(schemaId);
    if (!type) {
      type = this.registry.typeById(schemaId).catch((error: unknown) => {
        throw new Error(`schema id ${schemaId}: ${(error as Error).message}`, { cause: error });
      });
      this.types.set(schemaId, type);
    }
    return type;
  }
}
