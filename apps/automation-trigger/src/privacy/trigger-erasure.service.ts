import { hostname } from 'node:os';
import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { ErasureReport, ErasureRequestRecord } from '@tracking/contracts';
import { ERASURE_LIST, ERASURE_REPORTER, type ErasureList, type ErasureReporter } from '@tracking/privacy';
import { LOGGER, type Logger } from '@tracking/observability';
import { AutomationMetrics } from '../automation.metrics';
import { AUTOMATION_TRIGGER_CONFIG, type AutomationTriggerConfig } from '../config/automation-trigger.config';
import { WorkLoop } from '../outbox/work-loop';
import { TriggerErasureRepository, type ErasureCounts } from './trigger-erasure.repository';

export const ERASURE_PLACE = 'automation-trigger';

/** An applied request whose report is missing this long is taken for one whose instance stopped before reporting. */
const FORGOTTEN_REPORT_MS = 30_000;

/**
 * Acts on every erasure request this instance hears of (those read at start and each new one): the
 * subjects' trigger rows anonymised and their pending deliveries cancelled (TriggerErasureRepository,
 * once across instances), then a report on privacy.erasure-reports.v1. Requests wait in a queue that
 * a work loop drains, so a database outage delays them and loses none; a failure is reported once as
 * `failed` and the request tried again until it is done (the report's key keeps the latest).
 * Reports an instance never sent (it stopped between applying and reporting) are sent by whichever
 * instance finds them first.
 */
@Injectable()
export class TriggerErasure implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly queue = new Map<string, ErasureRequestRecord>();
  private readonly failing = new Set<string>();
  private readonly loop: WorkLoop;
  private readonly instance = `${hostname()}:${process.pid}`;
  private nextForgottenCheck = 0;

  constructor(
    @Inject(ERASURE_LIST) private readonly list: ErasureList,
    private readonly repository: TriggerErasureRepository,
    @Inject(ERASURE_REPORTER) private readonly reporter: ErasureReporter,
    private readonly metrics: AutomationMetrics,
    @Inject(AUTOMATION_TRIGGER_CONFIG) config: AutomationTriggerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.loop = new WorkLoop('erasure', config.delivery.pollMs, () => this.applyQueued(), logger);
  }

  onModuleInit(): void {
    this.list.onRequest((request) => {
      this.queue.set(request.request_id, request);
      this.loop.wake();
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** Requests heard of and not yet applied (tests, status). */
  get queued(): number {
    return this.queue.size;
  }

  private async applyQueued(): Promise<boolean> {
    const queued = [...this.queue.values()];
    // Mostly the whole list, read at start: those applied before cost one query, not a transaction each.
    const applied = queued.length > 0 ? await this.repository.appliedAlready(queued) : new Set<string>();
    for (const request of queued) {
      try {
        if (!applied.has(request.request_id)) await this.applyOne(request);
      } catch (error) {
        await this.failed(request, error);
        // The rest waits too: what failed one (the database away) most likely fails the next.
        return false;
      }
      // A newer version of the request may have arrived meanwhile; it stays queued.
      if (this.queue.get(request.request_id) === request) this.queue.delete(request.request_id);
      this.failing.delete(request.request_id);
    }
    if (Date.now() >= this.nextForgottenCheck) {
      this.nextForgottenCheck = Date.now() + FORGOTTEN_REPORT_MS;
      await this.reportForgotten();
    }
    return false;
  }

  private async applyOne(request: ErasureRequestRecord): Promise<void> {
    const application = await this.repository.apply(request, this.instance);
    if (application.outcome === 'already') {
      // Another instance applied it (or this one, before a restart); its report is that instance's to send.
      return;
    }
    const { counts } = application;
    this.metrics.erasuresApplied.inc();
    this.metrics.triggersErased.inc(counts.removed);
    this.logger.info({ requestId: request.request_id, customerId: request.customer_id, ...counts }, 'erasure applied to the trigger rows');
    await this.report(request.request_id, request.customer_id, 'done', counts);
  }

  private async report(requestId: string, customerId: string, state: ErasureReport['state'], counts: ErasureCounts, detail?: string): Promise<void> {
    await this.reporter.report({
      request_id: requestId,
      customer_id: customerId,
      place: ERASURE_PLACE,
      instance: this.instance,
      state,
      found: counts.found,
      removed: counts.removed,
      finished_at: Date.now(),
      detail: detail ?? erasureDetail(counts),
    });
    if (state === 'done') await this.repository.markReported(requestId);
  }

  private async failed(request: ErasureRequestRecord, error: unknown): Promise<void> {
    this.logger.warn({ err: error, requestId: request.request_id, customerId: request.customer_id }, 'erasure of the trigger rows failed; trying again shortly');
    if (this.failing.has(request.request_id)) return;
    this.failing.add(request.request_id);
    await this.report(request.request_id, request.customer_id, 'failed', { found: 0, removed: 0, cancelled: 0 }, `not applied yet, retrying: ${(error as Error).message}`.slice(0, 500)).catch(
      (reportError: unknown) => this.logger.warn({ err: reportError, requestId: request.request_id }, 'could not report the failed erasure either'),
    );
  }

  private async reportForgotten(): Promise<void> {
    for (const forgotten of await this.repository.unreported(FORGOTTEN_REPORT_MS)) {
      await this.report(forgotten.requestId, forgotten.customerId, 'done', forgotten.counts);
    }
  }
}

/** The report's detail: what was done to the rows found. */
export function erasureDetail(counts: ErasureCounts): string {
  return (
    `${counts.removed} of ${counts.found} trigger rows anonymised (ids, session, payload and subject hashes removed; ` +
    `the fired-once record kept as hashes), ${counts.cancelled} pending deliveries cancelled`
  );
}
