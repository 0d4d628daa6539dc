import { col, relation } from './relation';

/**
 * What the read API and analysts query (migration AnalyticsViews): views over the staging layer
 * with security_invoker, so the tables' row-level security applies to whoever reads them.
 */
export const EVENTS_VIEW = relation('analytics.events', [
  col('tenant_hk', 'bytea'),
  col('event_id', 'text'),
  col('event_type', 'text'),
  col('event_name', 'text'),
  col('occurred_at', 'timestamptz'),
  col('load_date', 'timestamptz'),
  col('page_url', 'text'),
  col('page_host', 'text'),
  col('page_path', 'text'),
  col('page', 'text'),
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
  col('site_id', 'text'),
]);

export const DAILY_ACTIVITY_VIEW = relation('analytics.daily_activity', [
  col('tenant_hk', 'bytea'),
  col('day', 'date'),
  col('page_views', 'bigint'),
  col('events', 'bigint'),
  col('unique_visitors', 'bigint'),
  col('sessions', 'bigint'),
]);

export const DATA_QUALITY_VIEW = relation('analytics.data_quality', [
  col('tenant_hk', 'bytea'),
  col('validation_status', 'text'),
  col('events', 'bigint'),
  col('average_quality_score', 'numeric'),
]);

export const ANALYTICS_VIEWS = [EVENTS_VIEW, DAILY_ACTIVITY_VIEW, DATA_QUALITY_VIEW] as const;
