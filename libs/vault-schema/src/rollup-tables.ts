import { col, relation, type Relation } from './relation';

/**
 * Rollups (migration Rollups): what the read API answers from instead of scanning per-event rows.
 * Derived from the staging layer, not loaded from a source, so they are not insert-only: the loader
 * adds the rows a batch actually inserted (in the batch's transaction), erasure and the retention
 * purge subtract what they change or delete. Every rollup row belongs to one tenant (tenant_hk,
 * row-level security as on the vault tables).
 *
 * Days and hours are UTC. The daily rollups hold validated events only (as the analytics.events
 * view); distinct visitors and sessions come from the daily distinct sketches below (the exact daily
 * member sets daily_visitors and daily_sessions were dropped by migration DropMemberSets).
 * Every rollup's grain includes the event's site (site_id, added last by migration Sites; NULL for
 * events without a site and for those loaded before sites existed), so a site filter or a per-site
 * grouping reads the same rows.
 */
export const DAILY_EVENTS = relation('rollup.daily_events', [
  col('tenant_hk', 'bytea'),
  col('day', 'date'),
  col('event_type', 'text'),
  col('event_name', 'text'),
  col('page_host', 'text'),
  col('page_path', 'text'),
  col('referrer_domain', 'text'),
  col('utm_source', 'text'),
  col('utm_medium', 'text'),
  col('utm_campaign', 'text'),
  col('events', 'bigint'),
  col('site_id', 'text'),
]);

/** Every staged event (invalid ones too) by the hour it occurred in: the dashboard's event counts. */
export const HOURLY_EVENTS = relation('rollup.hourly_events', [
  col('tenant_hk', 'bytea'),
  col('hour', 'timestamptz'),
  col('event_type', 'text'),
  col('events', 'bigint'),
  col('site_id', 'text'),
]);

/** Every staged event by the hour it was loaded (load_date) and its validation status: the quality metrics. */
export const HOURLY_QUALITY = relation('rollup.hourly_quality', [
  col('tenant_hk', 'bytea'),
  col('hour', 'timestamptz'),
  col('validation_status', 'text'),
  col('events', 'bigint'),
  col('quality_score_sum', 'numeric'),
  col('site_id', 'text'),
]);

/** The data quality log by the hour it was loaded: the quality metrics' top issues. */
export const HOURLY_ISSUES = relation('rollup.hourly_issues', [
  col('tenant_hk', 'bytea'),
  col('hour', 'timestamptz'),
  col('check_name', 'text'),
  col('severity', 'text'),
  col('events', 'bigint'),
  col('site_id', 'text'),
]);

export const ROLLUP_TABLES: readonly Relation[] = [DAILY_EVENTS, HOURLY_EVENTS, HOURLY_QUALITY, HOURLY_ISSUES];

/**
 * Distinct visitors per day by page, event and referrer: one distinct sketch
 * (distinct-sketch.ts) per grain and day instead of a row per visitor (migration DistinctSketches),
 * so a window's unique visitors cost its days × grains, whatever the events. Not additive: the loader
 * unions the members a batch inserted, erasure and the retention purge recount the days they touch.
 */
export const DAILY_VISITOR_SKETCHES = relation('rollup.daily_visitor_sketches', [
  col('tenant_hk', 'bytea'),
  col('day', 'date'),
  col('site_id', 'text'),
  col('event_type', 'text'),
  col('event_name', 'text'),
  col('page_host', 'text'),
  col('page_path', 'text'),
  col('referrer_domain', 'text'),
  col('visitors', 'bytea'),
]);

/** Sessions per day by page, event and UTM values: one distinct sketch per grain and day. */
export const DAILY_SESSION_SKETCHES = relation('rollup.daily_session_sketches', [
  col('tenant_hk', 'bytea'),
  col('day', 'date'),
  col('site_id', 'text'),
  col('event_type', 'text'),
  col('event_name', 'text'),
  col('page_host', 'text'),
  col('page_path', 'text'),
  col('utm_source', 'text'),
  col('utm_medium', 'text'),
  col('utm_campaign', 'text'),
  col('sessions', 'bytea'),
]);

export const SKETCH_TABLES: readonly Relation[] = [DAILY_VISITOR_SKETCHES, DAILY_SESSION_SKETCHES];

/**
 * The analytics report's figures per day and dimension (migration DimensionRollups, issue 22): one row
 * per tenant, day, site, dimension and value instead of one per day and full grain (type, name, page,
 * referrer and three UTM values: nearly a row per event at high density), so the unfiltered and
 * per-site reports read a few rows per day and value whatever the events. Dimensions (value_1, value_2):
 * event (event type, event name: every validated event, so also the totals and daily counts), page
 * (host, path of page views with both), referrer (domain of page views with one), utm_source,
 * utm_medium, utm_campaign (the value, of events with one). A report filtered by url, event name or
 * event type needs the full grain and reads daily_events and the full-grain sketches.
 */
export const DAILY_DIMENSIONS = relation('rollup.daily_dimensions', [
  col('tenant_hk', 'bytea'),
  col('day', 'date'),
  col('site_id', 'text'),
  col('dimension', 'text'),
  col('value_1', 'text'),
  col('value_2', 'text'),
  col('events', 'bigint'),
]);

/**
 * Distinct visitors and sessions per day and dimension, one sketch each: visitors (all), visitors_page,
 * visitors_event, visitors_referrer; sessions (all), sessions_utm_source, sessions_utm_medium,
 * sessions_utm_campaign; values as in daily_dimensions. Kept as the full-grain sketches are.
 */
export const DAILY_DIMENSION_SKETCHES = relation('rollup.daily_dimension_sketches', [
  col('tenant_hk', 'bytea'),
  col('day', 'date'),
  col('site_id', 'text'),
  col('dimension', 'text'),
  col('value_1', 'text'),
  col('value_2', 'text'),
  col('members', 'bytea'),
]);

export const DIMENSION_TABLES: readonly Relation[] = [DAILY_DIMENSIONS, DAILY_DIMENSION_SKETCHES];
