import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  MAX_REJECTED_PAYLOAD_CHARS,
  type AuditRecord,
  type EventSource,
  type RejectedEvent,
  type TrackingEvent,
} from '@tracking/contracts';
import type { CustomerConfig } from '@tracking/customers';
import {
  IngestionPipeline,
  anonymiseIp,
  type DropReason,
  type FieldError,
  type SecurityAssessment,
  type SiteRefusal,
} from '@tracking/ingestion';
import { LOGGER, type Logger } from '@tracking/observability';
import { AuditTrail } from '../audit/audit-trail';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import type { GatewayRequest } from '../http/gateway-request';
import { GatewayPublisher } from '../messaging/gateway.publisher';
import { rejectedPayload } from './rejected-payload';

export interface IngestOptions {
  source: EventSource;
  batchId: string | null;
  /** Prefix field paths with `events[i].` (bulk and browser batches). */
  indexed: boolean;
  /** HTTP status the answer will have when nothing fails on the way; goes into the audit record. */
  status: (result: Pick<IngestResult, 'accepted' | 'rejected' | 'dropped'>) => number;
  /** False for /track/async: hand the records to the producer and answer before Kafka acknowledges. */
  awaitAcknowledgement: boolean;
  /**
   * A redrive of an event refused earlier (issue 21): the event is received as of the original
   * refusal (so a redrive sent twice builds the same record), and the caller's address, user agent,
   * country and DNT are not the visitor's, so none of them is used. Validation and privacy rules
   * are the ones every event goes through.
   */
  redriveOf?: { receivedAt: number };
  /** False: a refused body writes no bad-row record (a redrive refused again keeps its one rejection). Default true. */
  recordRejections?: boolean;
  /** False: no audit record here; the route audits the whole request once (AuditInterceptor). Default true. */
  audit?: boolean;
}

export interface IngestResult {
  accepted: TrackingEvent[];
  /** The position in the request of each accepted event, in the order of `accepted`. */
  acceptedIndexes: number[];
  /** `refusal`: valid, but the customer's configuration refuses it (an undeclared site under site_discovery: restricted). */
  rejected: Array<{ index: number; errors: FieldError[]; refusal?: SiteRefusal }>;
  dropped: Array<{ index: number; reason: DropReason; eventType: string }>;
  assessment: SecurityAssessment;
  auditLogged: boolean;
  processingMs: number;
}

const NEUTRAL_ASSESSMENT: SecurityAssessment = { score: 100, suspicious: false, reasons: [] };

/**
 * Runs request bodies through the shared ingestion pipeline and publishes the accepted events, the
 * rejected ones (bad rows) and the request's audit record in one acknowledged write.
 */
@Injectable()
export class IngestionService {
  private readonly pipeline: IngestionPipeline;
  private readonly countryHeader: string | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly publisher: GatewayPublisher,
    private readonly audit: AuditTrail,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.pipeline = new IngestionPipeline(config.limits, config.hashKey);
    this.countryHeader = config.countryHeader;
  }

  /** The edge's statement of the client's country; null when absent or not a country (XX unknown, T1 Tor). */
  private country(request: GatewayRequest): string | null {
    const value = this.countryHeader ? request.headers[this.countryHeader] : undefined;
    const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
    return /^[A-Z]{2}$/.test(code) && code !== 'XX' ? code : null;
  }

  async ingest(request: GatewayRequest, customer: CustomerConfig, bodies: readonly unknown[], options: IngestOptions): Promise<IngestResult> {
    const receivedAt = request.receivedAt ?? Date.now();
    const redrive = options.redriveOf;
    const facts = {
      receivedAt: redrive?.receivedAt ?? receivedAt,
      clientIp: redrive ? null : (request.ip ?? null),
      userAgent: redrive ? null : typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
      doNotTrack: redrive ? false : request.headers['dnt'] === '1' || request.headers['sec-gpc'] === '1',
      source: options.source,
      batchId: options.batchId,
      keyId: request.keyId ?? null,
      country: redrive ? null : this.country(request),
    };
    const result: IngestResult = { accepted: [], acceptedIndexes: [], rejected: [], dropped: [], assessment: NEUTRAL_ASSESSMENT, auditLogged: false, processingMs: 0 };
    const rejectedRecords: RejectedEvent[] = [];
    bodies.forEach((body, index) => {
      const outcome = this.pipeline.process(body, customer, facts, options.indexed ? `events[${index}].` : '');
      if (outcome.status === 'accepted') {
        result.accepted.push(outcome.event);
        result.acceptedIndexes.push(index);
        if (outcome.assessment.score < result.assessment.score) result.assessment = outcome.assessment;
      } else if (outcome.status === 'dropped') {
        result.dropped.push({ index, reason: outcome.reason, eventType: outcome.eventType });
      } else {
        result.rejected.push({ index, errors: outcome.errors, ...(outcome.refusal ? { refusal: outcome.refusal } : {}) });
        rejectedRecords.push(this.rejectedRecord(customer, facts, options, options.indexed ? index : null, body, outcome.errors));
      }
    });

    const first = result.accepted[0];
    request.ingest = {
      received: bodies.length,
      accepted: result.accepted.length,
      rejected: result.rejected.length,
      dropped: result.dropped.length,
      eventType: first?.event_type ?? result.dropped[0]?.eventType,
      sessionId: first?.session_id,
      assessment: result.assessment,
    };
    result.processingMs = Date.now() - receivedAt;
    const audit: AuditRecord[] = options.audit === false ? [] : [this.audit.recordFor(request, options.status(result), null)];
    const rejected = options.recordRejections === false ? [] : rejectedRecords;
    const publication =
      result.accepted.length + rejected.length + audit.length === 0
        ? Promise.resolve()
        : this.publisher.publish({ events: result.accepted, rejected, audit });

    if (options.awaitAcknowledgement) {
      try {
        await publication;
        result.auditLogged = true;
      } catch (error) {
        // Without accepted events the answer stays what validation decided; only the bad-row and
        // audit records are missing, and the answer says so (audit_logged: false).
        if (result.accepted.length > 0) throw error;
        this.logger.warn({ err: error, customerId: customer.customerId }, 'rejected-event and audit records not acknowledged');
      }
    } else {
      // /track/async trades the acknowledgement for latency: a failure now can only be logged.
      publication.catch((error: unknown) =>
        this.logger.error({ err: error, customerId: customer.customerId, events: result.accepted.length }, 'asynchronous events not acknowledged by Kafka'),
      );
    }
    request.auditLogged = result.auditLogged;
    return result;
  }

  private rejectedRecord(
    customer: CustomerConfig,
    facts: { receivedAt: number; clientIp: string | null; keyId: string | null },
    options: IngestOptions,
    index: number | null,
    body: unknown,
    errors: FieldError[],
  ): RejectedEvent {
    const { payload, truncated } = rejectedPayload(body, MAX_REJECTED_PAYLOAD_CHARS);
    return {
      rejection_id: randomUUID(),
      customer_id: customer.customerId,
      received_at: facts.receivedAt,
      source: options.source,
      batch_id: options.batchId,
      event_index: index,
      errors: errors.map(({ field, reason }) => ({ field, reason })),
      payload,
      payload_truncated: truncated,
      ip_block: anonymiseIp(facts.clientIp, { mode: 'truncate' }),
      key_id: facts.keyId,
    };
  }
}
