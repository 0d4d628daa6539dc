import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { AvroDecodeError, HEADERS, TOPICS, customerOfSource, type AvroDeserializer, type TrackingEvent } from '@tracking/contracts';
import { KAFKA_CLIENT, KafkaPublisher, TRACKING_EVENT_DESERIALIZER, deadLetterMessage, type ConsumedRecord, type RecordBatch } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';
import { AutomationMetrics } from '../automation.metrics';
import { WebhookDispatcher } from '../delivery/webhook-dispatcher.service';
import { TriggerPublisher } from '../outbox/trigger-publisher.service';
import { buildTrigger } from '../triggers/trigger-record';
import { TriggerRepository, type NewTrigger } from '../triggers/trigger.repository';
import { WorkflowCatalog } from '../workflows/workflow-catalog';

/**
 * Turns a batch of events into recorded triggers, in one statement whose unique constraint drops
 * keys that already fired; the batch's offsets are committed only after it. Events of customers
 * without active workflows are not even decoded. Undecodable records go to the dead-letter topic.
 */
@Injectable()
export class TriggerMatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly deadLetters: KafkaPublisher;

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(TRACKING_EVENT_DESERIALIZER) private readonly events: AvroDeserializer<TrackingEvent>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly catalog: WorkflowCatalog,
    private readonly repository: TriggerRepository,
    private readonly publisher: TriggerPublisher,
    private readonly dispatcher: WebhookDispatcher,
    private readonly metrics: AutomationMetrics,
  ) {
    this.deadLetters = new KafkaPublisher(kafka);
  }

  onModuleInit(): Promise<void> {
    return this.deadLetters.connect();
  }

  onApplicationShutdown(): Promise<void> {
    return this.deadLetters.disconnect();
  }

  async match(batch: RecordBatch): Promise<void> {
    const triggers: NewTrigger[] = [];
    const poisoned: Array<{ record: ConsumedRecord; reason: string }> = [];
    for (const record of batch.records) {
      const customerId = customerOfSource(record.headers[HEADERS.source]?.toString());
      if (customerId !== undefined && !this.catalog.wants(customerId)) {
        if (!this.catalog.enabled(customerId)) this.metrics.suppressed.inc();
        continue;
      }
      const event = await this.decode(record, poisoned);
      if (!event) continue;
      if (!this.catalog.enabled(event.customer_id)) {
        this.metrics.suppressed.inc();
        continue;
      }
      for (const workflow of this.catalog.workflows.match(event)) {
        this.metrics.matched.inc({ trigger_type: workflow.trigger });
        triggers.push({ trigger: buildTrigger(event, workflow), webhookUrl: workflow.webhook?.url ?? null });
      }
    }

    const fired = await this.repository.record(triggers);
    this.metrics.eventsConsumed.inc(batch.records.length);
    this.metrics.fired.inc(fired);
    this.metrics.deduplicated.inc(triggers.length - fired);
    if (fired > 0) {
      this.publisher.wake();
      this.dispatcher.wake();
    }
    if (poisoned.length > 0) {
      await this.deadLetters.send(
        TOPICS.automationTriggerDeadLetter,
        poisoned.map(({ record, reason }) => deadLetterMessage(record, reason)),
      );
      this.metrics.recordsDeadLettered.inc(poisoned.length);
      this.logger.warn({ topic: batch.topic, partition: batch.partition, offsets: poisoned.map((p) => p.record.offset) }, 'undecodable records dead-lettered');
    }
  }

  private async decode(record: ConsumedRecord, poisoned: Array<{ record: ConsumedRecord; reason: string }>): Promise<TrackingEvent | undefined> {
    if (!record.value) {
      poisoned.push({ record, reason: 'record has no value' });
      return undefined;
    }
    try {
      return await this.events.deserialize(record.value);
    } catch (error) {
      if (!(error instanceof AvroDecodeError)) throw error;
      poisoned.push({ record, reason: error.message });
      return undefined;
    }
  }
}
