import { Inject, Injectable } from '@nestjs/common';
import type { ErasureReport, ErasureRequestRecord, TrackingEvent } from '@tracking/contracts';
import { LOGGER, type Logger } from '@tracking/observability';
import { ERASURE_LIST, ERASURE_REPORTER, type ErasureList, type ErasureReporter, type ErasureRequestListener } from '@tracking/privacy';

/** How long a write waits for the erasure list to reach the topic's end before going on (logged). */
const REFRESH_TIMEOUT_MS = 5_000;

/**
 * The erasure list as the exporter uses it (issue 20). The list itself (ERASURE_LIST, followed whole
 * from privacy.erasures.v1 in every instance, started with the service and part of /readyz) and the
 * reporter come from libs/privacy; createExporter consumes no event before the list is read, so no
 * write ever holds an erased subject's events.
 */
@Injectable()
export class ExporterErasures {
  constructor(
    @Inject(ERASURE_LIST) readonly list: ErasureList,
    @Inject(ERASURE_REPORTER) private readonly reporter: ErasureReporter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Resolves once the list was read whole once. */
  get readyOnce(): Promise<void> {
    return this.list.readyOnce;
  }

  /** Whether the event's subject (its visitor or user id) is erased for its customer. */
  erased(customerId: string, event: Pick<TrackingEvent, 'visitor_id' | 'user_id'>): boolean {
    return this.list.isErased(customerId, { visitorId: event.visitor_id, userId: event.user_id });
  }

  requests(customerId?: string): readonly ErasureRequestRecord[] {
    return this.list.requests(customerId);
  }

  onRequest(listener: ErasureRequestListener): void {
    this.list.onRequest(listener);
  }

  /**
   * True once the list holds every request published before this call (read to the topic's end as
   * of an offset request sent after the call; concurrent writes share such requests, see
   * CompactedTopicFollower). False, logged, when the list could not be brought up to date in time.
   */
  refresh(): Promise<boolean> {
    return this.list.refresh(REFRESH_TIMEOUT_MS).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'the erasure list could not be brought up to date');
      return false;
    });
  }

  report(report: ErasureReport): Promise<void> {
    return this.reporter.report(report);
  }
}
