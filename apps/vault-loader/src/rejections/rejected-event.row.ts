import { CLIENT_EVENT_ID_PATTERN, hashKey, tenantHashKey, type RejectedEvent } from '@tracking/contracts';
import { recordSource, type RecordPosition } from '../vault/vault-model';

/** One row of raw.rejected_events_r (REJECTED_EVENTS), as the loader inserts it. */
export interface RejectedEventRow {
  tenant_hk: Buffer;
  rejection_id: string;
  customer_id: string;
  load_date: Date;
  record_source: string;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
  schema_id: number;
  source: string;
  batch_id: string | null;
  event_index: number | null;
  errors: string;
  payload: string;
  payload_truncated: boolean;
  ip_block: string | null;
  key_id: string | null;
  event_id: string | null;
  visitor_hk: Buffer | null;
  user_hk: Buffer | null;
  session_hk: Buffer | null;
}

/** The refused payload as an object when it is one (it may be cut at 64 KB, or not JSON at all). */
function parsedPayload(payload: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(payload);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const idText = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);

/**
 * The row of one bad-row record: every value from the record itself (load_date is received_at), so a
 * replay yields the same row. The subject hash keys are those the vault uses for the same ids
 * (hashKey(customer, id)), so an erasure finds the person's refused events as it finds the accepted
 * ones; the event id is the client's own when the payload carried a well-formed one.
 */
export function rejectedEventRow(record: RejectedEvent, position: RecordPosition): RejectedEventRow {
  const payload = parsedPayload(record.payload);
  const subject = (field: string): Buffer | null => {
    const id = idText(payload?.[field]);
    return id === null ? null : hashKey(record.customer_id, id);
  };
  const eventId = idText(payload?.['event_id']);
  return {
    tenant_hk: tenantHashKey(record.customer_id),
    rejection_id: record.rejection_id,
    customer_id: record.customer_id,
    load_date: new Date(record.received_at),
    record_source: recordSource(position),
    kafka_topic: position.topic,
    kafka_partition: position.partition,
    kafka_offset: position.offset,
    schema_id: position.schemaId,
    source: record.source,
    batch_id: record.batch_id,
    event_index: record.event_index,
    errors: JSON.stringify(record.errors),
    payload: record.payload,
    payload_truncated: record.payload_truncated,
    ip_block: record.ip_block,
    key_id: record.key_id,
    event_id: eventId !== null && CLIENT_EVENT_ID_PATTERN.test(eventId) ? eventId : null,
    visitor_hk: subject('visitor_id'),
    user_hk: subject('user_id'),
    session_hk: subject('session_id'),
  };
}
