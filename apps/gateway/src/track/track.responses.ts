import type { CustomerConfig } from '@tracking/customers';
import type { DropReason, FieldError } from '@tracking/ingestion';
import type { GatewayRequest } from '../http/gateway-request';
import type { IngestResult } from './ingestion.service';

/** Seed 000's tracking_result, with what the gateway decided about this request. */
export interface TrackingResult {
  allowed: boolean;
  security_score: number;
  suspicious: boolean;
  rate_limit_remaining: number | null;
  reason?: DropReason;
}

export interface TrackResponse {
  success: true;
  message: string;
  event_id: string | null;
  customer_id: string;
  tenant_hk: string;
  timestamp: string;
  tracking_result: TrackingResult;
  audit_logged: boolean;
}

export interface BulkResponse {
  success: true;
  message: string;
  customer_id: string;
  batch_id: string | null;
  events_processed: number;
  events_failed: number;
  events_dropped: number;
  timestamp: string;
  processing_summary: {
    total_events: number;
    successful_events: number;
    failed_events: number;
    dropped_events: number;
    average_processing_time_ms: number;
  };
  /** Added to seed 000's answer so a client can reconcile what it sent: each accepted event's id. */
  accepted: Array<{ index: number; event_id: string }>;
  errors: Array<FieldError & { index: number }>;
  dropped: Array<{ index: number; reason: DropReason }>;
  audit_logged: boolean;
}

const DROP_MESSAGES: Record<DropReason, string> = {
  consent_denied: 'Event not tracked: the visitor denied consent',
  consent_pending: 'Event not tracked: consent is required and still pending',
  consent_missing: 'Event not tracked: this customer requires consent_state "granted" on server-side events (privacy.server_events_consent: require)',
  outside_geographic_restrictions: "Event not tracked: the client's country is outside the customer's privacy.geographic_restrictions, or unknown",
  do_not_track: 'Event not tracked: the browser asks not to be tracked (DNT / Global Privacy Control)',
};

function trackingResult(request: GatewayRequest, result: IngestResult, reason?: DropReason): TrackingResult {
  return {
    allowed: reason === undefined,
    security_score: result.assessment.score,
    suspicious: result.assessment.suspicious,
    rate_limit_remaining: request.rateLimit?.remaining ?? null,
    ...(reason ? { reason } : {}),
  };
}

export function trackResponse(request: GatewayRequest, customer: CustomerConfig, result: IngestResult, message: string): TrackResponse {
  const dropped = result.dropped[0];
  return {
    success: true,
    message: dropped ? DROP_MESSAGES[dropped.reason] : message,
    event_id: result.accepted[0]?.event_id ?? null,
    customer_id: customer.customerId,
    tenant_hk: customer.tenantHk,
    timestamp: new Date(request.receivedAt ?? Date.now()).toISOString(),
    tracking_result: trackingResult(request, result, dropped?.reason),
    audit_logged: result.auditLogged,
  };
}

export function bulkResponse(request: GatewayRequest, customer: CustomerConfig, batchId: string | null, result: IngestResult): BulkResponse {
  const total = result.accepted.length + result.rejected.length + result.dropped.length;
  return {
    success: true,
    message: 'Bulk events processed',
    customer_id: customer.customerId,
    batch_id: batchId,
    events_processed: result.accepted.length,
    events_failed: result.rejected.length,
    events_dropped: result.dropped.length,
    timestamp: new Date(request.receivedAt ?? Date.now()).toISOString(),
    processing_summary: {
      total_events: total,
      successful_events: result.accepted.length,
      failed_events: result.rejected.length,
      dropped_events: result.dropped.length,
      average_processing_time_ms: total === 0 ? 0 : Math.round((result.processingMs / total) * 100) / 100,
    },
    accepted: result.accepted.map((event, position) => ({ index: result.acceptedIndexes[position] ?? position, event_id: event.event_id })),
    errors: result.rejected.flatMap(({ index, errors }) => errors.map((error) => ({ index, ...error }))),
    dropped: result.dropped.map(({ index, reason }) => ({ index, reason })),
    audit_logged: result.auditLogged,
  };
}
