import { Inject, Injectable } from '@nestjs/common';
import type { TrackingEvent } from '@tracking/contracts';
import type { ConsumerBatch, RecordInterest } from '@tracking/kafka';
import { ERASURE_LIST, type ErasureList } from '@tracking/privacy';
import { AutomationMetrics } from '../automation.metrics';
import { WebhookDispatcher } from '../delivery/webhook.dispatcher';
import { TriggerPublisher } from '../outbox/trigger.publisher';
import { triggerSubjectOf } from '../privacy/trigger-subject';
import { triggerBuilder } from '../triggers/trigger-record';
import { TriggerRepository, type NewTrigger } from '../triggers/trigger.repository';
import { WorkflowCatalog } from '../workflows/workflow-catalog';

/**
 * Turns a batch of events into recorded triggers, in one statement whose unique constraint drops
 * keys that already fired; the batch's offsets are committed only after it. As the consumer's
 * RecordInterest it tells the transport which customers' events are worth decoding at all. Events of
 * an erased visitor or user fire nothing, live or on replay (the consumer starts only once the
 * erasure list is read), and are committed past like any skipped record.
 */
@Injectable()
export class TriggerMatcher implements RecordInterest {
  constructor(
    private readonly catalog: WorkflowCatalog,
    private readonly repository: TriggerRepository,
    private readonly publisher: TriggerPublisher,
    private readonly dispatcher: WebhookDispatcher,
    private readonly metrics: AutomationMetrics,
    @Inject(ERASURE_LIST) private readonly erasures: ErasureList,
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
      const workflows = this.catalog.workflows.match(event);
      if (workflows.length === 0) continue;
      if (this.erasures.isErased(event.customer_id, { visitorId: event.visitor_id, userId: event.user_id })) {
        this.metrics.erasedSkipped.inc();
        continue;
      }
      const subject = triggerSubjectOf(event);
      const build = triggerBuilder(event);
      for (const workflow of workflows) {
        this.metrics.matched.inc({ trigger_type: workflow.trigger });
        triggers.push({ trigger: build(workflow), webhookUrl: workflow.webhook?.url ?? null, subject });
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
