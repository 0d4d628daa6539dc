import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { TOPICS } from '@tracking/contracts';
import { KAFKA_CLIENT, KafkaPublisher, deadLetterMessage, type ConsumedRecord } from '@tracking/kafka';

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
      records.map(({ record, reason }) => deadLetterMessage(record, reason)),
    );
  }
}
