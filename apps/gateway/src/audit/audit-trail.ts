import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AuditOutcome, AuditRecord } from '@tracking/contracts';
import { anonymiseIp } from '@tracking/ingestion';
import { LOGGER, type Logger } from '@tracking/observability';
import type { GatewayRequest } from '../http/gateway-request';
import { GatewayPublisher } from '../messaging/gateway.publisher';

const OUTCOME_BY_STATUS: Record<number, AuditOutcome> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'invalid',
  415: 'invalid',
  429: 'rate_limited',
  503: 'unavailable',
};

export function outcomeOf(status: number, summary?: { accepted: number; rejected: number; dropped: number }): AuditOutcome {
  if (status < 400) {
    if (!summary) return 'accepted';
    if (summary.accepted === 0 && summary.rejected === 0 && summary.dropped > 0) return 'dropped';
    return summary.rejected > 0 || summary.dropped > 0 ? 'partially_accepted' : 'accepted';
  }
  return OUTCOME_BY_STATUS[status] ?? 'error';
}

/** One audit record per API interaction (seed 000), on tracking.audit.v1: who, which route, what happened, how fast. */
@Injectable()
export class AuditTrail {
  constructor(
    private readonly publisher: GatewayPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  recordFor(request: GatewayRequest, statusCode: number, errorCode: string | null): AuditRecord {
    const summary = request.ingest;
    return {
      audit_id: request.requestId ?? randomUUID(),
      occurred_at: request.receivedAt ?? Date.now(),
      customer_id: request.customer?.customerId ?? null,
      endpoint: `${request.method} ${request.routeOptions?.url ?? request.url.split('?')[0]}`,
      status_code: statusCode,
      outcome: outcomeOf(statusCode, summary),
      error_code: errorCode,
      latency_ms: request.receivedAt === undefined ? 0 : Date.now() - request.receivedAt,
      ip_block: anonymiseIp(request.ip, { mode: 'truncate' }),
      security_score: summary?.assessment?.score ?? null,
      suspicious: summary?.assessment?.suspicious ?? false,
      key_id: request.keyId ?? null,
      events_received: summary?.received ?? 0,
      events_accepted: summary?.accepted ?? 0,
      events_rejected: summary?.rejected ?? 0,
      events_dropped: summary?.dropped ?? 0,
      abuse_kind: request.abuse?.kind ?? null,
      abuse_customer_id: request.abuse?.customerId ?? null,
    };
  }

  /** For answers that carry no events: publishes the record alone and says whether Kafka took it; never throws. */
  async publish(record: AuditRecord): Promise<boolean> {
    try {
      await this.publisher.publish({ audit: [record] });
      return true;
    } catch (error) {
      this.logger.warn({ err: error, auditId: record.audit_id }, 'audit record not acknowledged');
      return false;
    }
  }
}
