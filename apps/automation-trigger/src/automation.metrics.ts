import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@tracking/observability';

@Injectable()
export class AutomationMetrics {
  readonly matched: Counter<'trigger_type'>;
  readonly fired: Counter;
  readonly deduplicated: Counter;
  readonly suppressed: Counter;
  readonly erasedSkipped: Counter;
  readonly erasuresApplied: Counter;
  readonly triggersErased: Counter;
  readonly erasedNotSent: Counter<'what'>;
  readonly published: Counter<'topic'>;
  readonly delivered: Counter;
  readonly failed: Counter<'outcome'>;
  readonly deliveryLatency: Histogram;
  readonly attemptSeconds: Histogram;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) => new Counter<L>({ name, help, labelNames, registers: [registry] });
    this.matched = counter('automation_triggers_matched_total', 'Event and workflow pairs that matched, by trigger type', ['trigger_type']);
    this.fired = counter('automation_triggers_fired_total', 'Triggers recorded for the first time');
    this.deduplicated = counter('automation_triggers_deduplicated_total', 'Matches whose idempotency key had already fired (duplicates, replays)');
    this.suppressed = counter('automation_events_suppressed_total', 'Events of customers whose tracking.automation.enabled is off');
    this.erasedSkipped = counter('automation_events_erased_skipped_total', 'Matching events that fired nothing because their visitor or user is erased (live or on replay)');
    this.erasuresApplied = counter('automation_erasures_applied_total', 'Erasure requests this instance applied to the trigger rows');
    this.triggersErased = counter('automation_triggers_erased_total', 'Trigger rows anonymised by erasure requests');
    this.erasedNotSent = counter('automation_erased_not_sent_total', 'Triggers of erased subjects held back before the erasure reached their row: webhook, topic or dead-letter', ['what']);
    this.published = counter('automation_triggers_published_total', 'Triggers published, by topic (triggers or dead letters)', ['topic']);
    this.delivered = counter('automation_webhooks_delivered_total', 'Webhooks the receiver acknowledged with 2xx');
    this.failed = counter('automation_webhook_attempts_failed_total', 'Failed webhook attempts: retry (tried again later) or dead (no attempt left, or refused)', ['outcome']);
    this.deliveryLatency = new Histogram({
      name: 'automation_webhook_delivery_latency_seconds',
      help: 'From the trigger firing to its webhook acknowledged, retries included',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 300, 3600, 86_400],
      registers: [registry],
    });
    this.attemptSeconds = new Histogram({
      name: 'automation_webhook_attempt_seconds',
      help: 'Duration of one webhook POST, answered or not',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }
}
