import { col, relation, type Column, type Relation } from './relation';

export type LoadStrategy =
  /** Natural key in the record: a replayed record conflicts and inserts nothing. */
  | 'insert-once'
  /** Hubs and links: one row per key; its load metadata is that of the earliest record, whatever order records arrive in. */
  | 'earliest-wins'
  /** Satellites: a row only when the hash diff differs from the row before it (same key, same source). */
  | 'on-change';

export type TableKind = 'raw' | 'staging' | 'hub' | 'link' | 'satellite';

/** A table the loader fills: one declaration per table, from which the loader generates its load SQL. */
export interface TableSpec<N extends string = string> extends Relation<N> {
  kind: TableKind;
  key: readonly N[];
  strategy: LoadStrategy;
  /**
   * Range-partitioned by the UTC month of `load_date` (migration PartitionedVault): tables that grow
   * with the events. Their unique index is `key` plus `load_date` (a partitioned table's unique keys
   * must hold the partition key); the load statement keeps `key` unique across partitions itself.
   */
  partitioned?: true;
}

interface TableDeclaration<C extends Column> extends Pick<TableSpec, 'table' | 'kind' | 'strategy' | 'partitioned'> {
  columns: readonly C[];
  /** NoInfer: the columns alone decide which names exist, so a key naming another one does not compile. */
  key: readonly NoInfer<C['name']>[];
}

function loaded<C extends Column>({ table, columns, ...load }: TableDeclaration<C>): TableSpec<C['name']> {
  return { ...relation(table, columns), ...load };
}

const metadata = [col('tenant_hk', 'bytea'), col('load_date', 'timestamptz'), col('record_source', 'text')];
const hub = <H extends string, B extends string>(table: string, hk: H, bk: B) =>
  loaded({ table, kind: 'hub', columns: [col(hk, 'bytea'), col(bk, 'text'), ...metadata], key: [hk], strategy: 'earliest-wins' });
const link = <H extends string, L extends string, R extends string>(table: string, hk: H, refs: [L, R]) =>
  loaded({ table, kind: 'link', columns: [col(hk, 'bytea'), col(refs[0], 'bytea'), col(refs[1], 'bytea'), ...metadata], key: [hk], strategy: 'earliest-wins' });
const satellite = <H extends string, A extends string>(table: string, hk: H, attributes: readonly Column<A>[], partitioned?: true) =>
  loaded<Column<H | 'hash_diff' | A> | (typeof metadata)[number]>({
    table,
    kind: 'satellite',
    columns: [col(hk, 'bytea'), ...metadata, col('hash_diff', 'bytea'), ...attributes],
    key: [hk, 'load_date', 'record_source'],
    strategy: 'on-change',
    ...(partitioned ? { partitioned } : {}),
  });

export const RAW_EVENTS = loaded({
  table: 'raw.site_tracking_events_r',
  kind: 'raw',
  columns: [
    col('tenant_hk', 'bytea'),
    col('event_id', 'text'),
    col('customer_id', 'text'),
    col('load_date', 'timestamptz'),
    col('record_source', 'text'),
    col('kafka_topic', 'text'),
    col('kafka_partition', 'integer'),
    col('kafka_offset', 'bigint'),
    col('schema_id', 'integer'),
    col('raw_payload', 'jsonb'),
    col('processing_status', 'text'),
  ],
  key: ['tenant_hk', 'event_id'],
  strategy: 'insert-once',
  partitioned: true,
});

export const STAGED_EVENTS = loaded({
  table: 'staging.site_events',
  kind: 'staging',
  columns: [
    col('tenant_hk', 'bytea'),
    col('event_id', 'text'),
    ...metadata.slice(1),
    col('event_type', 'text'),
    col('event_name', 'text'),
    col('occurred_at', 'timestamptz'),
    col('page_url', 'text'),
    col('page_host', 'text'),
    col('page_path', 'text'),
    col('referrer_domain', 'text'),
    col('session_id', 'text'),
    col('visitor_id', 'text'),
    col('user_id', 'text'),
    col('location_id', 'text'),
    col('business_item', 'text'),
    col('utm_source', 'text'),
    col('utm_medium', 'text'),
    col('utm_campaign', 'text'),
    col('consent_state', 'text'),
    col('source', 'text'),
    col('validation_status', 'text'),
    col('quality_score', 'numeric'),
    col('validation_errors', 'jsonb'),
    // Added by migration Sites (so last): the event's site, see mapTrackingEvent.
    col('site_id', 'text'),
  ],
  key: ['tenant_hk', 'event_id'],
  strategy: 'insert-once',
  partitioned: true,
});

export const QUALITY_LOG = loaded({
  table: 'staging.data_quality_log',
  kind: 'staging',
  columns: [
    col('tenant_hk', 'bytea'),
    col('event_id', 'text'),
    col('check_name', 'text'),
    col('severity', 'text'),
    col('message', 'text'),
    ...metadata.slice(1),
    col('site_id', 'text'),
  ],
  key: ['tenant_hk', 'event_id', 'check_name'],
  strategy: 'insert-once',
  partitioned: true,
});

export const HUBS = {
  event: hub('business.site_event_h', 'event_hk', 'event_bk'),
  session: hub('business.site_session_h', 'session_hk', 'session_bk'),
  visitor: hub('business.site_visitor_h', 'visitor_hk', 'visitor_bk'),
  page: hub('business.site_page_h', 'page_hk', 'page_bk'),
  item: hub('business.business_item_h', 'business_item_hk', 'business_item_bk'),
  /** Seeds 003/004: a customer's site, declared in its configuration or discovered from a page host. */
  site: hub('business.site_h', 'site_hk', 'site_bk'),
  /** The API token or publishable key that authenticated an event (its id, never a secret). */
  apiKey: hub('business.api_key_h', 'api_key_hk', 'api_key_bk'),
} as const;

export const LINKS = {
  eventSession: link('business.event_session_l', 'event_session_hk', ['event_hk', 'session_hk']),
  eventPage: link('business.event_page_l', 'event_page_hk', ['event_hk', 'page_hk']),
  eventVisitor: link('business.event_visitor_l', 'event_visitor_hk', ['event_hk', 'visitor_hk']),
  sessionVisitor: link('business.session_visitor_l', 'session_visitor_hk', ['session_hk', 'visitor_hk']),
  eventItem: link('business.event_business_item_l', 'event_business_item_hk', ['event_hk', 'business_item_hk']),
  /** Which site an event belongs to (migration EventSite): the business vault's own answer, where a session may span sites. */
  eventSite: link('business.event_site_l', 'event_site_hk', ['event_hk', 'site_hk']),
  sessionSite: link('business.session_site_l', 'session_site_hk', ['session_hk', 'site_hk']),
  pageSite: link('business.page_site_l', 'page_site_hk', ['page_hk', 'site_hk']),
  siteApiKey: link('business.site_api_key_l', 'site_api_key_hk', ['site_hk', 'api_key_hk']),
} as const;

export const SATELLITES = {
  event: satellite('business.site_event_details_s', 'event_hk', [
    col('event_type', 'text'),
    col('event_name', 'text'),
    col('occurred_at', 'timestamptz'),
    col('received_at', 'timestamptz'),
    col('sent_at', 'timestamptz'),
    col('page_url', 'text'),
    col('referrer', 'text'),
    col('referrer_domain', 'text'),
    col('location_id', 'text'),
    col('user_id', 'text'),
    col('consent_state', 'text'),
    col('ip_address', 'text'),
    col('user_agent', 'text'),
    col('event_data', 'jsonb'),
    col('utm_source', 'text'),
    col('utm_medium', 'text'),
    col('utm_campaign', 'text'),
    col('utm_term', 'text'),
    col('utm_content', 'text'),
    col('batch_id', 'text'),
    col('source', 'text'),
    col('security_score', 'double precision'),
    col('suspicious', 'boolean'),
    col('quality_score', 'numeric'),
    // One row per event: it grows with the events, so it is partitioned (its key already holds load_date).
  ], true),
  session: satellite('business.site_session_details_s', 'session_hk', [
    col('user_id', 'text'),
    col('location_id', 'text'),
    col('consent_state', 'text'),
    col('ip_address', 'text'),
    col('user_agent', 'text'),
    col('utm_source', 'text'),
    col('utm_medium', 'text'),
    col('utm_campaign', 'text'),
  ]),
  visitor: satellite('business.site_visitor_details_s', 'visitor_hk', [
    col('user_id', 'text'),
    col('consent_state', 'text'),
    col('user_agent', 'text'),
  ]),
  page: satellite('business.site_page_details_s', 'page_hk', [
    col('page_host', 'text'),
    col('page_path', 'text'),
    col('page_title', 'text'),
  ]),
  /** A declared site as the customer's configuration describes it (load date: when that configuration was applied). */
  site: satellite('business.site_details_s', 'site_hk', [col('site_name', 'text'), col('domains', 'jsonb'), col('settings', 'jsonb')]),
  /** A key as the customer's configuration describes it: which kind, what for, which site it is pinned to. */
  apiKey: satellite('business.api_key_details_s', 'api_key_hk', [col('key_kind', 'text'), col('description', 'text'), col('site_id', 'text')]),
} as const;

/**
 * Satellites loaded from the customer configuration (record source: the customers topic), not from
 * tracking events: they describe the customer's own setup, so the retention purge of tracking data
 * leaves them (and, through them, their hubs) in place.
 */
export const CONFIGURATION_SATELLITES: readonly TableSpec[] = [SATELLITES.site, SATELLITES.apiKey];

export const AUDIT_HUB = hub('audit.audit_event_h', 'audit_hk', 'audit_bk');
export const AUDIT_SATELLITE = satellite('audit.audit_event_details_s', 'audit_hk', [
  col('customer_id', 'text'),
  col('endpoint', 'text'),
  col('status_code', 'integer'),
  col('outcome', 'text'),
  col('error_code', 'text'),
  col('latency_ms', 'double precision'),
  col('ip_block', 'text'),
  col('security_score', 'double precision'),
  col('suspicious', 'boolean'),
  col('key_id', 'text'),
  col('events_received', 'integer'),
  col('events_accepted', 'integer'),
  col('events_rejected', 'integer'),
  col('events_dropped', 'integer'),
  // Added by migration 1795820000000 (read audit, abuse summaries); null in rows loaded before.
  col('service', 'text'),
  col('actor', 'text'),
  col('request_params', 'text'),
  col('rows_returned', 'bigint'),
  col('abuse_kind', 'text'),
  col('abuse_customer_id', 'text'),
  col('abuse_count', 'bigint'),
  col('abuse_window_start', 'timestamptz'),
  col('abuse_networks', 'integer'),
]);

/** Every table the loader fills, in load order (hubs before the links and satellites that refer to them). */
export const VAULT_TABLES: readonly TableSpec[] = [
  RAW_EVENTS,
  STAGED_EVENTS,
  QUALITY_LOG,
  ...Object.values(HUBS),
  ...Object.values(LINKS),
  ...Object.values(SATELLITES),
  AUDIT_HUB,
  AUDIT_SATELLITE,
];

/** The tables partitioned by load month, in load order (migration PartitionedVault, kept ahead by the loader). */
export const PARTITIONED_TABLES: readonly TableSpec[] = VAULT_TABLES.filter((spec) => spec.partitioned);
