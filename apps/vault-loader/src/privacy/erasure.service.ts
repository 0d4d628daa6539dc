import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { TOPICS, type ErasureRequestRecord } from '@tracking/contracts';
import { ApiError } from '@tracking/http';
import { ERASURE_LIST, ERASURE_REPORTER, ErasureList, ErasurePublisher, ErasureReporter, subjectHash } from '@tracking/privacy';
import { LOGGER, type Logger } from '@tracking/observability';
import { ErasureRepository, type ErasureOutcome, type ErasureResult } from './erasure.repository';

export const ERASURE_PUBLISHER = Symbol('ERASURE_PUBLISHER');

const INSTANCE = `vault-loader@${hostname()}/${process.pid}`;

export interface ErasureAsked {
  customerId: string;
  visitorId?: string;
  userId?: string;
  requestedBy: string;
}

/**
 * Erasure as a platform-wide request (issue 20), the vault's part. A request taken here is expanded
 * to every linked id (read-only), recorded on privacy.erasures.v1 (acknowledged before anything is
 * erased, so every other place hears of it even if this instance stops now), applied to the vault
 * and reported. Every loader instance also follows the list: a request the vault has not applied
 * (taken by an instance that stopped before applying it, or after a restore of the database) is
 * applied by the first instance to take the tenant's lock; the others find it registered.
 */
@Injectable()
export class ErasureService implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  /** Requests this instance is applying itself: its own list reader leaves them alone. */
  private readonly taking = new Set<string>();
  /** Set when the service stops: requests still queued are left to the next start (or another instance). */
  private stopping = false;

  constructor(
    private readonly repository: ErasureRepository,
    @Inject(ERASURE_LIST) private readonly list: ErasureList,
    @Inject(ERASURE_REPORTER) private readonly reporter: ErasureReporter,
    @Inject(ERASURE_PUBLISHER) private readonly publisher: ErasurePublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.list.onRequest((request) => this.applyFromList(request));
  }

  onModuleDestroy(): void {
    this.stopping = true;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect().catch(() => undefined);
  }

  async request(asked: ErasureAsked): Promise<ErasureResult> {
    const { customerId } = asked;
    const linked = await this.repository.linked(customerId, asked);
    const record: ErasureRequestRecord = {
      request_id: randomUUID(),
      customer_id: customerId,
      requested_at: Date.now(),
      requested_by: asked.requestedBy,
      visitor_hks: linked.visitors.map((id) => subjectHash(customerId, id)),
      user_hks: linked.users.map((id) => subjectHash(customerId, id)),
    };
    this.taking.add(record.request_id);
    try {
      try {
        await this.publisher.publish(record);
      } catch (error) {
        // Not recorded, so not erased either: the other places would never hear of it.
        this.logger.error({ err: error, customerId }, `an erasure request could not be recorded on ${TOPICS.privacyErasures}`);
        throw new ApiError(503, 'SERVICE_UNAVAILABLE', `The erasure could not be recorded on ${TOPICS.privacyErasures} (Kafka did not acknowledge it); nothing was erased. Try again.`);
      }
      const subjectHks = { visitors: record.visitor_hks.map((hk) => Buffer.from(hk, 'hex')), users: record.user_hks.map((hk) => Buffer.from(hk, 'hex')) };
      let outcome: ErasureOutcome;
      try {
        outcome = await this.repository.erase({ customerId, visitorId: asked.visitorId, userId: asked.userId, requestId: record.request_id, subjectHks });
      } catch (error) {
        await this.report(record, undefined, error);
        throw error;
      }
      await this.report(record, outcome);
      return outcome.result;
    } finally {
      this.taking.delete(record.request_id);
    }
  }

  private async applyFromList(record: ErasureRequestRecord): Promise<void> {
    if (this.stopping || this.taking.has(record.request_id)) return;
    let outcome: ErasureOutcome | undefined;
    try {
      outcome = await this.repository.applyRequest(record);
    } catch (error) {
      if (this.stopping) return;
      this.logger.error({ err: error, requestId: record.request_id, customerId: record.customer_id }, 'applying an erasure request to the vault failed');
      await this.report(record, undefined, error);
      return;
    }
    if (!outcome) return;
    this.logger.info({ requestId: record.request_id, customerId: record.customer_id, events: outcome.eventsFound }, 'erasure request applied to the vault');
    await this.report(record, outcome);
  }

  /** A report that cannot be written is logged: the erasure stands, only its status lags. */
  private async report(record: ErasureRequestRecord, outcome: ErasureOutcome | undefined, error?: unknown): Promise<void> {
    try {
      await this.reporter.report({
        request_id: record.request_id,
        customer_id: record.customer_id,
        place: 'vault',
        instance: INSTANCE,
        state: outcome ? 'done' : 'failed',
        found: outcome?.eventsFound ?? 0,
        removed: outcome?.eventsAnonymised ?? 0,
        finished_at: Date.now(),
        detail: outcome ? `rows anonymised: ${JSON.stringify(outcome.result.rows_anonymised)}` : error instanceof Error ? error.message : String(error),
      });
    } catch (reportError) {
      this.logger.error({ err: reportError, requestId: record.request_id }, `the vault's erasure report could not be written`);
    }
  }
}
