import {
  businessItemKey,
  hashKey,
  pageBusinessKey,
  parseEventData,
  type TrackingEvent,
} from '@tracking/contracts';
import { HUBS, LINKS, QUALITY_LOG, RAW_EVENTS, SATELLITES, STAGED_EVENTS, type TableSpec } from '@tracking/vault-schema';
import type { ReadQuery } from '../../reporting/tenant-read.repository';

/** One row of the business vault the event's load wrote or found there: its table, key and load. */
export interface VaultRow {
  table: string;
  kind: 'hub' | 'link' | 'satellite';
  /** The row's hash key, hex. */
  key: string;
  load_date: string;
  record_source: string;
  /** True when this event's own load wrote the row (hubs and links keep the earliest load: an older row was written by an earlier event). */
  written_by_this_event: boolean;
}

export interface VaultJourney {
  event: TrackingEvent;
  raw: { load_date: string; record_source: string; kafka_topic: string; kafka_partition: number; kafka_offset: string; schema_id: number; processing_status: string };
  staging: { validation_status: string; quality_score: number | null; site_id: string | null; findings: Array<{ check: string; severity: string; message: string }> } | null;
  business: VaultRow[];
}

const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));

/**
 * The rows one event left in the vault, found by their keys: the raw and staging rows by event id,
 * and each hub, link and satellite by the hash key the loader derives from the record (vault-model),
 * so every look-up is a primary-key read. Undefined when the loader has not written the event (or it
 * is another tenant's: row-level security shows this tenant's rows only).
 */
export async function vaultJourney(read: ReadQuery, customerId: string, tenantHk: Buffer, eventId: string): Promise<VaultJourney | undefined> {
  const r = RAW_EVENTS.column;
  const [raw] = await read(
    `SELECT ${r.load_date}, ${r.record_source}, ${r.kafka_topic}, ${r.kafka_partition}, ${r.kafka_offset}::text AS kafka_offset, ${r.schema_id}, ${r.raw_payload}, ${r.processing_status}
       FROM ${RAW_EVENTS.table} WHERE ${r.tenant_hk} = $1 AND ${r.event_id} = $2`,
    [tenantHk, eventId],
  );
  if (!raw) return undefined;
  const event = raw[r.raw_payload] as TrackingEvent;
  const loadDate = raw[r.load_date] as Date;
  const s = STAGED_EVENTS.column;
  const [staged] = await read(
    `SELECT ${s.validation_status}, ${s.quality_score}, ${s.site_id} FROM ${STAGED_EVENTS.table} WHERE ${s.tenant_hk} = $1 AND ${s.event_id} = $2`,
    [tenantHk, eventId],
  );
  const q = QUALITY_LOG.column;
  const findings = await read(
    `SELECT ${q.check_name}, ${q.severity}, ${q.message} FROM ${QUALITY_LOG.table} WHERE ${q.tenant_hk} = $1 AND ${q.event_id} = $2 ORDER BY ${q.check_name}`,
    [tenantHk, eventId],
  );
  const siteId = (staged?.[s.site_id] as string | null | undefined) ?? null;
  const business = staged && staged[s.validation_status] !== 'INVALID' ? await businessRows(read, customerId, tenantHk, event, siteId, loadDate) : [];
  return {
    event,
    raw: {
      load_date: iso(loadDate),
      record_source: String(raw[r.record_source]),
      kafka_topic: String(raw[r.kafka_topic]),
      kafka_partition: Number(raw[r.kafka_partition]),
      kafka_offset: String(raw['kafka_offset']),
      schema_id: Number(raw[r.schema_id]),
      processing_status: String(raw[r.processing_status]),
    },
    staging: staged
      ? {
          validation_status: String(staged[s.validation_status]),
          quality_score: staged[s.quality_score] === null ? null : Number(staged[s.quality_score]),
          site_id: siteId,
          findings: findings.map((row) => ({ check: String(row[q.check_name]), severity: String(row[q.severity]), message: String(row[q.message]) })),
        }
      : null,
    business,
  };
}

/** The hash keys of the rows an event's load derives (mapTrackingEvent in the vault loader), by table. */
function derivedKeys(customer: string, event: TrackingEvent, siteId: string | null): Array<[TableSpec, Buffer]> {
  const page = pageBusinessKey(event.page_url);
  const item = businessItemKey(parseEventData(event));
  const keys: Array<[TableSpec, Buffer]> = [
    [HUBS.event, hashKey(customer, event.event_id)],
    [SATELLITES.event, hashKey(customer, event.event_id)],
    [LINKS.eventSession, hashKey(customer, event.event_id, event.session_id)],
    [LINKS.eventVisitor, hashKey(customer, event.event_id, event.visitor_id)],
    [LINKS.eventPage, hashKey(customer, event.event_id, page)],
    [HUBS.site, hashKey(customer, siteId)],
    [LINKS.eventSite, hashKey(customer, event.event_id, siteId)],
  ];
  if (event.session_id) {
    keys.push([HUBS.session, hashKey(customer, event.session_id)], [SATELLITES.session, hashKey(customer, event.session_id)]);
    keys.push([LINKS.sessionVisitor, hashKey(customer, event.session_id, event.visitor_id)], [LINKS.sessionSite, hashKey(customer, event.session_id, siteId)]);
  }
  if (event.visitor_id) keys.push([HUBS.visitor, hashKey(customer, event.visitor_id)], [SATELLITES.visitor, hashKey(customer, event.visitor_id)]);
  if (page) keys.push([HUBS.page, hashKey(customer, page)], [SATELLITES.page, hashKey(customer, page)], [LINKS.pageSite, hashKey(customer, page, siteId)]);
  if (item) keys.push([HUBS.item, hashKey(customer, item)], [LINKS.eventItem, hashKey(customer, event.event_id, item)]);
  if (event.key_id) keys.push([HUBS.apiKey, hashKey(customer, event.key_id)], [LINKS.siteApiKey, hashKey(customer, siteId, event.key_id)]);
  return keys;
}

async function businessRows(read: ReadQuery, customer: string, tenantHk: Buffer, event: TrackingEvent, siteId: string | null, loadDate: Date): Promise<VaultRow[]> {
  const rows: VaultRow[] = [];
  for (const [table, key] of derivedKeys(customer, event, siteId)) {
    const hk = table.key[0] as string;
    // A satellite keeps a row per change: the one this event's load wrote has its load date (none when nothing changed).
    const satellite = table.kind === 'satellite';
    const found = await read(
      `SELECT load_date, record_source FROM ${table.table} WHERE tenant_hk = $1 AND ${hk} = $2${satellite ? ' AND load_date = $3' : ''} ORDER BY load_date LIMIT 1`,
      satellite ? [tenantHk, key, loadDate] : [tenantHk, key],
    );
    const row = found[0];
    if (!row) continue;
    const rowLoad = row['load_date'] as Date;
    rows.push({
      table: table.table,
      kind: table.kind as VaultRow['kind'],
      key: key.toString('hex'),
      load_date: iso(rowLoad),
      record_source: String(row['record_source']),
      written_by_this_event: rowLoad.getTime() === loadDate.getTime(),
    });
  }
  return rows;
}
