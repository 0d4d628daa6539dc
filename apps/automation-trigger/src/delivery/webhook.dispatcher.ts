import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, type Logger } from '@tracking/observability';
import { ERASURE_LIST, type ErasureList } from '@tracking/privacy';
import { AutomationMetrics } from '../automation.metrics';
import { AUTOMATION_TRIGGER_CONFIG, type AutomationTriggerConfig } from '../config/automation-trigger.config';
import { TriggerPublisher } from '../outbox/trigger.publisher';
import { WorkLoop } from '../outbox/work-loop';
import { isSubjectErased } from '../privacy/trigger-subject';
import { TriggerRepository, type DueDelivery } from '../triggers/trigger.repository';
import { WorkflowCatalog } from '../workflows/workflow-catalog';
import { nextDelay } from './retry-schedule';
import { sendWebhook, type AttemptResult } from './webhook-sender';

/**
 * Delivers recorded triggers to their workflows' webhooks. Deliveries are leased from the outbox
 * (so several instances share the work and a crashed one's leases expire into redeliveries under the
 * same webhook-id), run concurrently up to a global and a per-endpoint bound (a slow or failing
 * endpoint holds only its own slots), one at a time per session and endpoint (order kept), and each
 * attempt is recorded with what follows from it: delivered, retried later, or dead.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: WorkLoop;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly settings: AutomationTriggerConfig['delivery'];

  constructor(
    @Inject(AUTOMATION_TRIGGER_CONFIG) config: AutomationTriggerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repository: TriggerRepository,
    private readonly catalog: WorkflowCatalog,
    private readonly publisher: TriggerPublisher,
    private readonly metrics: AutomationMetrics,
    @Inject(ERASURE_LIST) private readonly erasures: ErasureList,
  ) {
    this.settings = config.delivery;
    this.loop = new WorkLoop('webhook delivery', config.delivery.pollMs, () => this.leaseAndSend(), logger);
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  /** Stops leasing, then lets the attempts in flight finish and be recorded (each is bounded by the timeout). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  wake(): void {
    this.loop.wake();
  }

  private async leaseAndSend(): Promise<boolean> {
    const room = this.settings.concurrency - this.inFlight.size;
    if (room <= 0) return false;
    // Long enough for the attempt and its recording; a lease that runs out means the process died.
    const leaseMs = 2 * this.settings.timeoutMs + 1000;
    const due = await this.repository.leaseDue(room, this.settings.perEndpointConcurrency, leaseMs);
    for (const delivery of due) {
      const running: Promise<void> = this.deliver(delivery).finally(() => {
        this.inFlight.delete(running);
        this.loop.wake();
      });
      this.inFlight.add(running);
    }
    return false;
  }

  private async deliver(delivery: DueDelivery): Promise<void> {
    const { trigger } = delivery;
    // The erasure of the row runs moments after the request arrives; a delivery leased in between is
    // not sent (an attempt already on the wire when the request arrives cannot be called back).
    if (isSubjectErased(this.erasures, trigger.customer_id, delivery.subject)) {
      this.metrics.erasedNotSent.inc({ what: 'webhook' });
      await this.repository.cancel(trigger.trigger_id).catch((error: unknown) => this.logger.warn({ err: error, triggerId: trigger.trigger_id }, 'could not cancel the delivery of an erased subject; the erasure will'));
      return;
    }
    const attempt = delivery.attempts + 1;
    const attemptedAt = new Date();
    const webhook = this.catalog.webhook(trigger.customer_id, trigger.workflow_id);
    // A configuration change reaches the instances seconds apart: a trigger of a workflow one instance
    // has just loaded may be leased by another that has not yet (the scale-out drill lost three this
    // way). So a workflow unknown here is tried again under the retry schedule, dead only once the
    // schedule is spent, as for a workflow that was removed for good.
    const result: AttemptResult = webhook
      ? await sendWebhook(delivery.webhookUrl, trigger, webhook.secrets, this.settings.timeoutMs)
      : { verdict: 'retry', statusCode: null, error: `workflow ${trigger.workflow_id} has no webhook on this instance (not loaded yet, or removed)`, durationMs: 0 };
    const retryInMs = result.verdict === 'retry' ? nextDelay(this.settings.retrySchedule, attempt, result.retryAfterMs) : undefined;
    const delivered = result.verdict === 'delivered';
    try {
      await this.repository.settle(trigger.trigger_id, attempt, { ...result, attemptedAt, delivered, retryInMs });
    } catch (error) {
      // The lease runs out and the trigger is delivered again under the same webhook-id: at least once.
      this.logger.error({ err: error, triggerId: trigger.trigger_id, attempt }, 'could not record a webhook attempt');
      return;
    }
    this.metrics.attemptSeconds.observe(result.durationMs / 1000);
    if (delivered) {
      this.metrics.delivered.inc();
      this.metrics.deliveryLatency.observe((Date.now() - delivery.firedAt.getTime()) / 1000);
      return;
    }
    const outcome = retryInMs === undefined ? 'dead' : 'retry';
    this.metrics.failed.inc({ outcome });
    const log = { triggerId: trigger.trigger_id, customerId: trigger.customer_id, workflowId: trigger.workflow_id, attempt, error: result.error, retryInMs };
    if (outcome === 'dead') {
      this.logger.warn(log, 'webhook delivery failed for good; trigger dead-lettered');
      this.publisher.wake();
    } else {
      this.logger.info(log, 'webhook delivery failed; will retry');
    }
  }
}
