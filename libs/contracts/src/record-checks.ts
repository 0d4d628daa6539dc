import type { AuditRecord } from './audit-record';
import type { RejectedEvent } from './rejected-event';
import type { TrackingEvent } from './tracking-event';

/**
 * What a consumer checks after Avro decoding that the schema cannot express: the fields every
 * consumer keys its work on are present. Another producer than the gateway (a backfill, an analyst's
 * script) can write a record the schema accepts and no consumer can use. Empty when usable.
 */
export function trackingEventProblems(event: TrackingEvent): string[] {
  const problems: string[] = [];
  if (!event.event_id.trim()) problems.push('event_id is empty');
  if (!event.customer_id.trim()) problems.push('customer_id is empty');
  if (!event.event_type.trim()) problems.push('event_type is empty');
  return problems;
}

export function auditRecordProblems(record: AuditRecord): string[] {
  return record.audit_id.trim() ? [] : ['audit_id is empty'];
}

/** A bad-row record the loader can key and show: its id and customer. */
export function rejectedEventProblems(record: RejectedEvent): string[] {
  const problems: string[] = [];
  if (!record.rejection_id.trim()) problems.push('rejection_id is empty');
  if (!record.customer_id.trim()) problems.push('customer_id is empty');
  return problems;
}
