import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AuditOutcome, AuditRecord } from '@tracking/contracts';
import { outcomeOfStatus, requestParams } from '@tracking/http';
import { anonymiseIp } from '@tracking/ingestion';
import { LOGGER, type Logger } from '@tracking/observability';
import type { GatewayRequest } from '../http/gateway-request';
import { GatewayPublisher } from '../messaging/gateway.publisher';

/** Ingestion routes: their bodies are events, which the audit record counts but never copies. */
const INGEST_ROUTES = /^\/api\/v1\/(track(\/(bulk|async))?|tracking\/collect)$/;

export function outcomeOf(status: number, summary?: { accepted: number; rejected: number; dropped: number }): AuditOutcome {
  if (status < 400) {
    if (!summary) return 'accepted';
    if (summary.accepted === 0 && summary.rejected === 0 && summary.dropped > 0) return 'dropped';
    return summary.rejected > 0 || summary.dropped > 0 ? 'partially_accepted' : 'accepted';
  }
  return outcomeOfStatus(status);
}

/** One audit record per API interaction (seed 000), on tracking.audit.v1: who, which route, what happened, how fast. */
@Injectable()
export class AuditTrail {
  constructor(
    private readonly publisher: GatewayPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** `rows`: how many rows a read route's answer carried (null for the others). */
  recordFor(request: GatewayRequest, statusCode: number, errorCode: string | null, rows: number | null = null): AuditRecord {
    const summary = request.ingest;
    const route = request.routeOptions?.url ?? request.url.split('?')[0];
    const customerId = request.customer?.customerId ?? null;
    return {
      audit_id: request.requestId ?? randomUUID(),
      occurred_at: request.receivedAt ?? Date.now(),
      customer_id: customerId,
      endpoint: `${request.method} ${route}`,
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
      service: 'gateway',
      actor: request.auditActor ?? 'anonymous',
      request_params: INGEST_ROUTES.test(route) ? null : requestParams(request, customerId),
      rows_returned: rows,
      abuse_count: null,
      abuse_window_start: null,
      abuse_networks: null,
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
