import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { Message } from 'kafkajs';
import { DEAD_LETTER_HEADERS, TOPICS, type AutomationTrigger } from '@tracking/contracts';
import { AUTOMATION_TRIGGERS_TOPIC, AvroTopicWriter, SCHEMA_REGISTRY, ServicePublisher, type ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';
import { ERASURE_LIST, type ErasureList } from '@tracking/privacy';
import { AutomationMetrics } from '../automation.metrics';
import { AUTOMATION_TRIGGER_CONFIG, type AutomationTriggerConfig } from '../config/automation-trigger.config';
import { isSubjectErased } from '../privacy/trigger-subject';
import { TriggerRepository, type OutboxEntry } from '../triggers/trigger.repository';
import { WorkLoop } from './work-loop';

const BATCH = 500;

/**
 * Publishes recorded triggers from the outbox to automation.triggers.v1, and triggers whose delivery
 * died to the dead-letter topic (same Avro value, with the last error and the attempt count in
 * headers). A crash between the broker's acknowledgement and the outbox update publishes a trigger
 * again under the same key and CloudEvents id, which consumers of the topic drop. A trigger whose
 * subject was erased leaves the outbox without being published: the erasure, moments behind, makes
 * its row anonymous, and neither the topic nor the dead-letter topic gets a copy.
 */
@Injectable()
export class TriggerPublisher implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: WorkLoop;
  private writer?: AvroTopicWriter<AutomationTrigger>;

  constructor(
    private readonly publisher: ServicePublisher,
    @Inject(SCHEMA_REGISTRY) private readonly registry: ConfluentSchemaRegistryAdapter,
    @Inject(AUTOMATION_TRIGGER_CONFIG) config: AutomationTriggerConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly repository: TriggerRepository,
    private readonly metrics: AutomationMetrics,
    @Inject(ERASURE_LIST) private readonly erasures: ErasureList,
  ) {
    this.loop = new WorkLoop('trigger publication', config.delivery.pollMs, () => this.publishSome(), logger);
  }

  async onModuleInit(): Promise<void> {
    this.writer = await AvroTopicWriter.create(this.registry, AUTOMATION_TRIGGERS_TOPIC);
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  wake(): void {
    this.loop.wake();
  }

  private async publishSome(): Promise<boolean> {
    const writer = this.writer;
    if (!writer) return false;
    const published = await this.repository.publishPending('trigger', BATCH, async (entries) => {
      const kept = this.withoutErased(entries, 'topic');
      if (kept.length > 0) await this.publisher.send(TOPICS.automationTriggers, kept.map((entry) => writer.toMessage(entry.trigger)));
      this.metrics.published.inc({ topic: TOPICS.automationTriggers }, kept.length);
    });
    const deadLettered = await this.repository.publishPending('dead', BATCH, async (entries) => {
      const kept = this.withoutErased(entries, 'dead_letter');
      if (kept.length > 0) await this.publisher.send(TOPICS.automationTriggerDeadLetter, kept.map((entry) => this.deadLetter(writer, entry)));
      this.metrics.published.inc({ topic: TOPICS.automationTriggerDeadLetter }, kept.length);
    });
    return published === BATCH || deadLettered === BATCH;
  }

  private withoutErased(entries: OutboxEntry[], what: 'topic' | 'dead_letter'): OutboxEntry[] {
    const kept = entries.filter((entry) => !isSubjectErased(this.erasures, entry.trigger.customer_id, entry.subject));
    if (kept.length < entries.length) this.metrics.erasedNotSent.inc({ what }, entries.length - kept.length);
    return kept;
  }

  private deadLetter(writer: AvroTopicWriter<AutomationTrigger>, entry: OutboxEntry): Message {
    const message = writer.toMessage(entry.trigger);
    return {
      ...message,
      headers: {
        ...message.headers,
        [DEAD_LETTER_HEADERS.reason]: (entry.lastError ?? 'delivery failed').slice(0, 1000),
        [DEAD_LETTER_HEADERS.attempts]: String(entry.attempts),
      },
    };
  }
}
