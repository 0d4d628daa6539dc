import { Injectable } from '@nestjs/common';
import type { TrackingEvent } from '@tracking/contracts';
import type { ConsumerBatch, RecordInterest } from '@tracking/kafka';
import { AutomationMetrics } from '../automation.metrics';
import { WebhookDispatcher } from '../delivery/webhook.dispatcher';
import { TriggerPublisher } from '../outbox/trigger.publisher';
import { buildTrigger } from '../triggers/trigger-record';
import { TriggerRepository, type NewTrigger } from '../triggers/trigger.repository';
import { WorkflowCatalog } from '../workflows/workflow-catalog';

/**
 * Turns a batch of events into recorded triggers, in one statement whose unique constraint drops
 * keys that already fired; the batch's offsets are committed only after it. As the consumer's
 * RecordInterest it tells the transport which customers' events are worth decoding at all.
 */
@Injectable()
export class TriggerMatcher implements RecordInterest {
  constructor(
    private readonly catalog: WorkflowCatalog,
    private readonly repository: TriggerRepository,
    private readonly publisher: TriggerPublisher,
    private readonly dispatcher: WebhookDispatcher,
    private readonly metrics: AutomationMetrics,
  ) {}

  skipReason(customerId: string): string | undefined {
    if (this.catalog.wants(customerId)) return undefined;
    if (this.catalog.enabled(customerId)) return 'no_workflows';
    this.metrics.suppressed.inc();
    return 'automation_disabled';
  }

  async match(batch: ConsumerBatch<TrackingEvent>): Promise<void> {
    const triggers: NewTrigger[] = [];
    for (const { value: event } of batch.records) {
      // A record whose customer the transport could not tell from its headers or key arrives decoded.
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
    this.metrics.fired.inc(fired);
    this.metrics.deduplicated.inc(triggers.length - fired);
    if (fired > 0) {
      this.publisher.wake();
      this.dispatcher.wake();
    }
  }
}
