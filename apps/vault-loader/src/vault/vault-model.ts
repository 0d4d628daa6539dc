import { hash } from 'node:crypto';
import { GHOST_HASH_KEY, TOPICS, businessItemKey, hashKey, pageBusinessKey, parseEventData, tenantHashKey, type AuditRecord, type BusinessKeyPart, type TrackingEvent } from '@tracking/contracts';
import { AUDIT_HUB, AUDIT_SATELLITE, HUBS, LINKS, QUALITY_LOG, RAW_EVENTS, SATELLITES, STAGED_EVENTS, type TableSpec } from '@tracking/vault-schema';
import { assessQuality } from './quality-checks';
import type { CustomerSites } from './site-model';

export type Row = Record<string, unknown>;

/**
 * Hash keys and hash diffs of one batch by what they are computed from: the tenant, session, visitor,
 * page, site and key of most events of a batch recur, so each is hashed once a batch (the same
 * functions, so the same digests), not once per row it appears in.
 */
export class BatchHashes {
  private readonly keys = new Map<string, Buffer>();
  private readonly diffs = new Map<string, Buffer>();

  /** hashKey(tenantId, ...businessKey). */
  key(tenantId: string, ...businessKey: BusinessKeyPart[]): Buffer {
    // Parts as written, NUL between them, their count first: equal ids only for equal parts (a part
    // holding a NUL itself is hashed directly), and equal parts normalise alike.
    let id = `${businessKey.length}\u0000${tenantId}`;
    for (const part of businessKey) {
      const text = part === null || part === undefined ? '' : String(part);
      if (text.includes('\u0000')) return hashKey(tenantId, ...businessKey);
      id += `\u0000${text}`;
    }
    if (tenantId.includes('\u0000')) return hashKey(tenantId, ...businessKey);
    let key = this.keys.get(id);
    if (key === undefined) {
      key = hashKey(tenantId, ...businessKey);
      this.keys.set(id, key);
    }
    return key;
  }

  tenant(customerId: string): Buffer {
    return this.key(customerId);
  }

  /** hashDiff(attributes), for attributes that recur in a batch (a session's, a visitor's). */
  diff(attributes: readonly unknown[]): Buffer {
    const json = JSON.stringify(attributes);
    let diff = this.diffs.get(json);
    if (diff === undefined) {
      diff = hash('sha256', json, 'buffer');
      this.diffs.set(json, diff);
    }
    return diff;
  }
}

/** Rows for each table of one batch, keyed by table name, in the order the tables are declared. */
export class VaultRows {
  readonly byTable = new Map<string, { spec: TableSpec; rows: Row[] }>();

  constructor(readonly hashes = new BatchHashes()) {}

  private readonly once = new Set<string>();

  add(spec: TableSpec, row: Row): void {
    const entry = this.byTable.get(spec.table) ?? { spec, rows: [] };
    entry.rows.push(row);
    this.byTable.set(spec.table, entry);
  }

  /**
   * The rows of `other` after these, table by table: batches of several partitions loaded in one
   * transaction. Each table's rows keep their order (the load statements read it as each source's);
   * a configuration's row both hold comes twice, and its satellite's statement inserts it once.
   */
  absorb(other: VaultRows): void {
    for (const { spec, rows } of other.byTable.values()) for (const row of rows) this.add(spec, row);
  }

  /** A row that many records of a batch would add identically (a configuration's satellite row): added for the first only. */
  addOnce(spec: TableSpec, key: string, row: () => Row): void {
    const id = `${spec.table}\u0000${key}`;
    if (this.once.has(id)) return;
    this.once.add(id);
    this.add(spec, row());
  }
}

/** Where a record came from: each partition is a source of its own, read in one fixed order. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: string;
  schemaId: number;
}

export function recordSource(position: Pick<RecordPosition, 'topic' | 'partition'>): string {
  return `${position.topic}/${position.partition}`;
}

/** SHA-256 over the descriptive attributes as JSON: any change of any value is a change. */
export function hashDiff(attributes: readonly unknown[]): Buffer {
  return hash('sha256', JSON.stringify(attributes), 'buffer');
}

const iso = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/**
 * One tracking event to every row it contributes to the vault: raw, staging with its quality
 * assessment, and (unless invalid) hubs, links to ghosts where a key is missing, and satellites.
 * Every value comes from the record itself, so loading the same record again yields the same rows;
 * the site (the record's own, else derived by the shared derivation) and what the configuration says
 * about the site and the key from the customer's configuration, whose rows carry when it was applied.
 */
export function mapTrackingEvent(event: TrackingEvent, position: RecordPosition, rows: VaultRows, sites: CustomerSites): void {
  const keys = rows.hashes;
  const tenantHk = keys.tenant(event.customer_id);
  const loadDate = new Date(event.received_at);
  const source = recordSource(position);
  const meta = { tenant_hk: tenantHk, load_date: loadDate, record_source: source };
  const data = parseEventData(event);
  const quality = assessQuality(event);
  const page = pageBusinessKey(event.page_url);
  const pageUrl = event.page_url ? safeUrl(event.page_url) : null;
  const item = businessItemKey(data);
  const siteId = sites.siteOf(event);

  rows.add(RAW_EVENTS, {
    tenant_hk: tenantHk,
    event_id: event.event_id,
    customer_id: event.customer_id,
    load_date: loadDate,
    record_source: source,
    kafka_topic: position.topic,
    kafka_partition: position.partition,
    kafka_offset: position.offset,
    schema_id: position.schemaId,
    raw_payload: JSON.stringify(event),
    processing_status: quality.status === 'INVALID' ? 'FAILED' : 'PROCESSED',
  });
  rows.add(STAGED_EVENTS, {
    tenant_hk: tenantHk,
    event_id: event.event_id,
    load_date: loadDate,
    record_source: source,
    event_type: event.event_type,
    event_name: event.event_name,
    occurred_at: new Date(event.occurred_at),
    page_url: event.page_url,
    page_host: pageUrl?.hostname.toLowerCase() ?? null,
    page_path: pageUrl?.pathname ?? null,
    referrer_domain: event.referrer_domain,
    session_id: event.session_id,
    visitor_id: event.visitor_id,
    user_id: event.user_id,
    location_id: event.location_id,
    business_item: item,
    utm_source: event.utm_source,
    utm_medium: event.utm_medium,
    utm_campaign: event.utm_campaign,
    consent_state: event.consent_state,
    source: event.source,
    validation_status: quality.status,
    quality_score: quality.score,
    validation_errors: JSON.stringify(quality.findings.map((finding) => finding.check)),
    site_id: siteId,
  });
  for (const finding of quality.findings) {
    rows.add(QUALITY_LOG, {
      tenant_hk: tenantHk,
      event_id: event.event_id,
      check_name: finding.check,
      severity: finding.severity,
      message: finding.message,
      load_date: loadDate,
      record_source: source,
      site_id: siteId,
    });
  }
  if (quality.status === 'INVALID') return;

  const customer = event.customer_id;
  const eventHk = hashKey(customer, event.event_id);
  const sessionHk = keys.key(customer, event.session_id);
  const visitorHk = keys.key(customer, event.visitor_id);
  const pageHk = keys.key(customer, page);

  rows.add(HUBS.event, { event_hk: eventHk, event_bk: event.event_id, ...meta });
  if (event.session_id) rows.add(HUBS.session, { session_hk: sessionHk, session_bk: event.session_id, ...meta });
  if (event.visitor_id) rows.add(HUBS.visitor, { visitor_hk: visitorHk, visitor_bk: event.visitor_id, ...meta });
  if (page) rows.add(HUBS.page, { page_hk: pageHk, page_bk: page, ...meta });

  // Missing session, visitor or page: the link points at the ghost record instead of being dropped.
  rows.add(LINKS.eventSession, { event_session_hk: hashKey(customer, event.event_id, event.session_id), event_hk: eventHk, session_hk: sessionHk, ...meta });
  rows.add(LINKS.eventVisitor, { event_visitor_hk: hashKey(customer, event.event_id, event.visitor_id), event_hk: eventHk, visitor_hk: visitorHk, ...meta });
  rows.add(LINKS.eventPage, { event_page_hk: hashKey(customer, event.event_id, page), event_hk: eventHk, page_hk: pageHk, ...meta });
  if (event.session_id) {
    rows.add(LINKS.sessionVisitor, {
      session_visitor_hk: keys.key(customer, event.session_id, event.visitor_id),
      session_hk: sessionHk,
      visitor_hk: visitorHk,
      ...meta,
    });
  }
  if (item) {
    const itemHk = keys.key(customer, item);
    rows.add(HUBS.item, { business_item_hk: itemHk, business_item_bk: item, ...meta });
    rows.add(LINKS.eventItem, { event_business_item_hk: hashKey(customer, event.event_id, item), event_hk: eventHk, business_item_hk: itemHk, ...meta });
  }

  mapSiteAndKey(event, meta, rows, sites, { siteId, eventHk, sessionHk, page, pageHk: page ? pageHk : null });

  // What the event says, not how it arrived: key_id, library_name and library_version stay in the raw layer only.
  const eventDetails = {
    event_type: event.event_type,
    event_name: event.event_name,
    occurred_at: new Date(event.occurred_at),
    received_at: loadDate,
    sent_at: iso(event.sent_at),
    page_url: event.page_url,
    referrer: event.referrer,
    referrer_domain: event.referrer_domain,
    location_id: event.location_id,
    user_id: event.user_id,
    consent_state: event.consent_state,
    ip_address: event.ip_address,
    user_agent: event.user_agent,
    event_data: event.event_data,
    utm_source: event.utm_source,
    utm_medium: event.utm_medium,
    utm_campaign: event.utm_campaign,
    utm_term: event.utm_term,
    utm_content: event.utm_content,
    batch_id: event.batch_id,
    source: event.source,
    security_score: event.security_score,
    suspicious: event.suspicious,
    quality_score: quality.score,
  };
  rows.add(SATELLITES.event, { event_hk: eventHk, ...meta, hash_diff: hashDiff(Object.values(eventDetails)), ...eventDetails });
  if (event.session_id) {
    const session = {
      user_id: event.user_id,
      location_id: event.location_id,
      consent_state: event.consent_state,
      ip_address: event.ip_address,
      user_agent: event.user_agent,
      utm_source: event.utm_source,
      utm_medium: event.utm_medium,
      utm_campaign: event.utm_campaign,
    };
    rows.add(SATELLITES.session, { session_hk: sessionHk, ...meta, hash_diff: keys.diff(Object.values(session)), ...session });
  }
  if (event.visitor_id) {
    const visitor = { user_id: event.user_id, consent_state: event.consent_state, user_agent: event.user_agent };
    rows.add(SATELLITES.visitor, { visitor_hk: visitorHk, ...meta, hash_diff: keys.diff(Object.values(visitor)), ...visitor });
  }
  // Only page views describe the page (their name is its title); other events on it say nothing new.
  if (page && pageUrl && event.event_type === 'page_view') {
    const details = { page_host: pageUrl.hostname.toLowerCase(), page_path: pageUrl.pathname, page_title: event.event_name };
    rows.add(SATELLITES.page, { page_hk: pageHk, ...meta, hash_diff: keys.diff(Object.values(details)), ...details });
  }
}

/**
 * The event's site and key: hubs, the links event-site, session-site, page-site and site-key (a missing site is
 * the ghost, as for the other links), and the configuration's description of a declared site or key.
 * Those satellite rows come from the configuration, not the event: their load date is when it was
 * applied and their source the customers topic, so every event (and every replay) under the same
 * configuration gives the same row, and a change of the configuration gives a new one.
 */
function mapSiteAndKey(
  event: TrackingEvent,
  meta: { tenant_hk: Buffer; load_date: Date; record_source: string },
  rows: VaultRows,
  sites: CustomerSites,
  { siteId, eventHk, sessionHk, page, pageHk }: { siteId: string | null; eventHk: Buffer; sessionHk: Buffer; page: string | null; pageHk: Buffer | null },
): void {
  const keys = rows.hashes;
  const customer = event.customer_id;
  const siteHk = keys.key(customer, siteId);
  const keyId = event.key_id;
  const apiKeyHk = keyId ? keys.key(customer, keyId) : null;
  if (siteId) rows.add(HUBS.site, { site_hk: siteHk, site_bk: siteId, ...meta });
  if (apiKeyHk) rows.add(HUBS.apiKey, { api_key_hk: apiKeyHk, api_key_bk: keyId, ...meta });
  rows.add(LINKS.eventSite, { event_site_hk: hashKey(customer, event.event_id, siteId), event_hk: eventHk, site_hk: siteHk, ...meta });
  if (event.session_id) rows.add(LINKS.sessionSite, { session_site_hk: keys.key(customer, event.session_id, siteId), session_hk: sessionHk, site_hk: siteHk, ...meta });
  if (pageHk) rows.add(LINKS.pageSite, { page_site_hk: keys.key(customer, page, siteId), page_hk: pageHk, site_hk: siteHk, ...meta });
  if (apiKeyHk) rows.add(LINKS.siteApiKey, { site_api_key_hk: keys.key(customer, siteId, keyId), site_hk: siteHk, api_key_hk: apiKeyHk, ...meta });

  const configured = { tenant_hk: meta.tenant_hk, record_source: TOPICS.customers };
  const site = siteId ? sites.site(siteId) : undefined;
  if (site) {
    const details = { site_name: site.details.site_name, domains: site.details.domains, settings: site.details.settings };
    rows.addOnce(SATELLITES.site, JSON.stringify([customer, siteId, site.appliedAt]), () => ({ site_hk: siteHk, ...configured, load_date: new Date(site.appliedAt), hash_diff: hashDiff(Object.values(details)), ...details }));
  }
  const key = keyId ? sites.key(keyId) : undefined;
  if (key && apiKeyHk) {
    const details = { key_kind: key.details.key_kind, description: key.details.description, site_id: key.details.site_id };
    rows.addOnce(SATELLITES.apiKey, JSON.stringify([customer, keyId, key.appliedAt]), () => ({ api_key_hk: apiKeyHk, ...configured, load_date: new Date(key.appliedAt), hash_diff: hashDiff(Object.values(details)), ...details }));
  }
}

/** One audit record to the audit hub and satellite; refusals before a customer was known belong to the ghost tenant. */
export function mapAuditRecord(record: AuditRecord, position: RecordPosition, rows: VaultRows): void {
  const tenantHk = record.customer_id ? tenantHashKey(record.customer_id) : GHOST_HASH_KEY;
  const auditHk = hashKey(record.customer_id ?? '', record.audit_id);
  const meta = { tenant_hk: tenantHk, load_date: new Date(record.occurred_at), record_source: recordSource(position) };
  const details = {
    customer_id: record.customer_id,
    endpoint: record.endpoint,
    status_code: record.status_code,
    outcome: record.outcome,
    error_code: record.error_code,
    latency_ms: record.latency_ms,
    ip_block: record.ip_block,
    security_score: record.security_score,
    suspicious: record.suspicious,
    key_id: record.key_id,
    events_received: record.events_received,
    events_accepted: record.events_accepted,
    events_rejected: record.events_rejected,
    events_dropped: record.events_dropped,
  };
  // Later optional fields (read audit, abuse). They enter the hash diff only when one is set, so a
  // record written before them keeps the hash diff it was first loaded with.
  const extensions = {
    service: record.service ?? null,
    actor: record.actor ?? null,
    request_params: record.request_params ?? null,
    rows_returned: record.rows_returned ?? null,
    abuse_kind: record.abuse_kind ?? null,
    abuse_customer_id: record.abuse_customer_id ?? null,
    abuse_count: record.abuse_count ?? null,
    abuse_window_start: iso(record.abuse_window_start ?? null),
    abuse_networks: record.abuse_networks ?? null,
  };
  const extended = Object.values(extensions).some((value) => value !== null);
  const hashed = extended ? [...Object.values(details), ...Object.values(extensions)] : Object.values(details);
  rows.add(AUDIT_HUB, { audit_hk: auditHk, audit_bk: record.audit_id, ...meta });
  rows.add(AUDIT_SATELLITE, { audit_hk: auditHk, ...meta, hash_diff: hashDiff(hashed), ...details, ...extensions });
}

function safeUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}
