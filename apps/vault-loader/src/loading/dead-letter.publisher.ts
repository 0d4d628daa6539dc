import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { TOPICS } from '@tracking/contracts';
import { KafkaPublisher, type ConsumedRecord } from '@tracking/kafka';
import { KAFKA_CLIENT } from './loading.tokens';

/** Dead-letter record headers: the original record's place and why it could not be loaded. */
export const DEAD_LETTER_HEADERS = {
  reason: 'dlq_reason',
  sourceTopic: 'dlq_source_topic',
  sourcePartition: 'dlq_source_partition',
  sourceOffset: 'dlq_source_offset',
} as const;

export interface DeadLetter {
  record: ConsumedRecord;
  reason: string;
}

/** Parks records the loader can never load, untouched, with the reason, so loading goes on. */
@Injectable()
export class DeadLetterPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly publisher: KafkaPublisher;

  constructor(@Inject(KAFKA_CLIENT) kafka: Kafka) {
    this.publisher = new KafkaPublisher(kafka);
  }

  onModuleInit(): Promise<void> {
    return this.publisher.connect();
  }

  onApplicationShutdown(): Promise<void> {
    return this.publisher.disconnect();
  }

  async publish(records: readonly DeadLetter[]): Promise<void> {
    await this.publisher.send(
      TOPICS.vaultLoaderDeadLetter,
      records.map(({ record, reason }) => ({
        key: record.key,
        value: record.value,
        headers: {
          ...record.headers,
          [DEAD_LETTER_HEADERS.reason]: reason.slice(0, 1000),
          [DEAD_LETTER_HEADERS.sourceTopic]: record.topic,
          [DEAD_LETTER_HEADERS.sourcePartition]: String(record.partition),
          [DEAD_LETTER_HEADERS.sourceOffset]: record.offset,
        },
      })),
    );
  }
}
