import type { Message } from 'kafkajs';
import { DEAD_LETTER_HEADERS } from '@tracking/contracts';
import type { ConsumedRecord } from './consumer/consumed-record';

/** A record a consumer can never process, copied untouched to its dead-letter topic with the reason and its place. */
export function deadLetterMessage(record: ConsumedRecord, reason: string): Message {
  return {
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [DEAD_LETTER_HEADERS.reason]: reason.slice(0, 1000),
      [DEAD_LETTER_HEADERS.sourceTopic]: record.topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: String(record.partition),
      [DEAD_LETTER_HEADERS.sourceOffset]: record.offset,
    },
  };
}
