import type { IHeaders, KafkaMessage } from 'kafkajs';
import { HEADERS, customerOfSource } from '@tracking/contracts';

/** A record as read from a topic partition, before decoding. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** Broker timestamp, epoch milliseconds as a string (kafkajs keeps it a string). */
  timestamp: string;
}

export function consumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return { topic, partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {}, timestamp: message.timestamp };
}

/** The customer a record belongs to: its CloudEvents source header, else its key's customer part (`customer:session`, or the customer id). */
export function customerOfRecord(record: Pick<ConsumedRecord, 'headers' | 'key'>): string | undefined {
  const source = record.headers[HEADERS.source];
  const fromHeader = customerOfSource((Array.isArray(source) ? source[0] : source)?.toString());
  if (fromHeader !== undefined) return fromHeader;
  const key = record.key?.toString();
  return key ? key.split(':')[0] : undefined;
}
