import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the read API and analysts query: views over the validated events of the staging layer (one
 * row per event, indexed by tenant and time), never ad hoc scans of the raw layer. security_invoker
 * makes the tables' row-level security apply to whoever queries the view.
 */
export class AnalyticsViews1795500000200 implements MigrationInterface {
  readonly name = 'AnalyticsViews1795500000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `CREATE SCHEMA IF NOT EXISTS analytics`,
      `CREATE VIEW analytics.events WITH (security_invoker = true) AS
         SELECT tenant_hk, event_id, event_type, event_name, occurred_at, load_date,
                page_url, page_host, page_path, CASE WHEN page_host IS NULL THEN NULL ELSE page_host || page_path END AS page,
                referrer_domain, session_id, visitor_id, user_id, location_id, business_item,
                utm_source, utm_medium, utm_campaign, consent_state, source, validation_status, quality_score
           FROM staging.site_events
          WHERE validation_status <> 'INVALID'`,
      `CREATE VIEW analytics.daily_activity WITH (security_invoker = true) AS
         SELECT tenant_hk, (occurred_at AT TIME ZONE 'UTC')::date AS day,
                count(*) FILTER (WHERE event_type = 'page_view') AS page_views,
                count(*) AS events,
                count(DISTINCT visitor_id) AS unique_visitors,
                count(DISTINCT session_id) AS sessions
           FROM analytics.events
          GROUP BY tenant_hk, day`,
      `CREATE VIEW analytics.data_quality WITH (security_invoker = true) AS
         SELECT tenant_hk, validation_status, count(*) AS events, avg(quality_score) AS average_quality_score
           FROM staging.site_events
          GROUP BY tenant_hk, validation_status`,
      `GRANT USAGE ON SCHEMA analytics TO tracking_reader, tracking_analyst`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO tracking_reader, tracking_analyst`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA analytics CASCADE`);
  }
}
