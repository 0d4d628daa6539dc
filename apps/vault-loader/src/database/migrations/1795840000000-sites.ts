import type { MigrationInterface, QueryRunner } from 'typeorm';
import { BACKFILL_ROLLUPS, ROLLED_UP_WITH_MEMBER_SETS, rollupKeys } from '../../vault/rollup-statements';

const GHOST = `'\\x${'00'.repeat(32)}'::bytea`;
const META = `tenant_hk bytea NOT NULL CHECK (octet_length(tenant_hk) = 32),
        load_date timestamptz NOT NULL,
        record_source text NOT NULL`;

const HUBS = ['business.site_h', 'business.api_key_h'];
const TENANT_TABLES = ['business.session_site_l', 'business.page_site_l', 'business.site_api_key_l', 'business.site_details_s', 'business.api_key_details_s'];

/**
 * Sites (seeds 003 and 004): the site and API-key hubs with ghost records, the links session-site,
 * page-site and site-API key, the site and key details satellites (from the customer configuration),
 * row-level security as on the other vault tables; and `site_id` on the staging layer, the quality log,
 * the events view and every rollup, whose grain it joins (third, after tenant and period).
 *
 * Rows loaded before this migration keep site_id NULL in staging and in the rollups alike, so the
 * rollups stay equal to their staging rows and erasure and retention still subtract exactly; only a
 * replay into an empty vault gives those events their site.
 */
export class Sites1795840000000 implements MigrationInterface {
  readonly name = 'Sites1795840000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const hub = (table: string, hk: string, bk: string): string[] => [
      `CREATE TABLE ${table} (
        ${hk} bytea PRIMARY KEY CHECK (octet_length(${hk}) = 32),
        ${bk} text NOT NULL,
        ${META})`,
      `CREATE INDEX ${table.split('.')[1]}_tenant_idx ON ${table} (tenant_hk, ${bk})`,
      `INSERT INTO ${table} (${hk}, ${bk}, tenant_hk, load_date, record_source) VALUES (${GHOST}, '(unknown)', ${GHOST}, '0001-01-01T00:00:00Z', 'SYSTEM')`,
    ];
    const link = (table: string, hk: string, left: [string, string], right: [string, string]): string[] => [
      `CREATE TABLE business.${table} (
        ${hk} bytea PRIMARY KEY CHECK (octet_length(${hk}) = 32),
        ${left[0]} bytea NOT NULL REFERENCES business.${left[1]},
        ${right[0]} bytea NOT NULL REFERENCES business.${right[1]},
        ${META})`,
      `CREATE INDEX ${table}_${left[0]}_idx ON business.${table} (${left[0]})`,
      `CREATE INDEX ${table}_${right[0]}_idx ON business.${table} (${right[0]})`,
    ];
    const satellite = (table: string, hk: string, parent: string, attributes: string): string[] => [
      `CREATE TABLE business.${table} (
        ${hk} bytea NOT NULL REFERENCES business.${parent},
        ${META},
        hash_diff bytea NOT NULL CHECK (octet_length(hash_diff) = 32),
        ${attributes},
        PRIMARY KEY (${hk}, load_date, record_source))`,
      `CREATE INDEX ${table}_latest_idx ON business.${table} (${hk}, record_source, load_date DESC)`,
    ];
    const statements = [
      ...hub('business.site_h', 'site_hk', 'site_bk'),
      ...hub('business.api_key_h', 'api_key_hk', 'api_key_bk'),
      ...link('session_site_l', 'session_site_hk', ['session_hk', 'site_session_h'], ['site_hk', 'site_h']),
      ...link('page_site_l', 'page_site_hk', ['page_hk', 'site_page_h'], ['site_hk', 'site_h']),
      ...link('site_api_key_l', 'site_api_key_hk', ['site_hk', 'site_h'], ['api_key_hk', 'api_key_h']),
      ...satellite('site_details_s', 'site_hk', 'site_h', `site_name text, domains jsonb NOT NULL, settings jsonb NOT NULL`),
      ...satellite('api_key_details_s', 'api_key_hk', 'api_key_h', `key_kind text NOT NULL, description text, site_id text`),
      ...TENANT_TABLES.flatMap((table) => [
        `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
        `CREATE POLICY tenant_isolation ON ${table} FOR SELECT USING (tenant_hk = (SELECT vault_security.current_tenant_hk()))`,
        `GRANT SELECT ON ${table} TO tracking_reader, tracking_analyst`,
      ]),
      ...HUBS.flatMap((table) => [
        `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
        `CREATE POLICY tenant_isolation ON ${table} FOR SELECT USING (tenant_hk = (SELECT vault_security.current_tenant_hk()) OR tenant_hk = ${GHOST})`,
        `GRANT SELECT ON ${table} TO tracking_reader, tracking_analyst`,
      ]),

      `ALTER TABLE staging.site_events ADD COLUMN site_id text`,
      `ALTER TABLE staging.data_quality_log ADD COLUMN site_id text`,
      // The status API's recent events of one site, newest first, as the tenant-wide list reads its index.
      `CREATE INDEX site_events_tenant_site_load_idx ON staging.site_events (tenant_hk, site_id, load_date, event_id)`,
      // Appended last: CREATE OR REPLACE VIEW may only add columns at the end (analytics.daily_activity depends on it).
      `CREATE OR REPLACE VIEW analytics.events WITH (security_invoker = true) AS
         SELECT tenant_hk, event_id, event_type, event_name, occurred_at, load_date,
                page_url, page_host, page_path, CASE WHEN page_host IS NULL THEN NULL ELSE page_host || page_path END AS page,
                referrer_domain, session_id, visitor_id, user_id, location_id, business_item,
                utm_source, utm_medium, utm_campaign, consent_state, source, validation_status, quality_score, site_id
           FROM staging.site_events
          WHERE validation_status <> 'INVALID'`,
      ...ROLLED_UP_WITH_MEMBER_SETS.flatMap((rollup) => {
        const name = rollup.table.split('.')[1] ?? rollup.table;
        return [
          `ALTER TABLE ${rollup.table} ADD COLUMN site_id text`,
          `DROP INDEX ${rollup.table.split('.')[0]}.${name}_grain`,
          `CREATE UNIQUE INDEX ${name}_grain ON ${rollup.table} (${rollupKeys(rollup).join(', ')}) NULLS NOT DISTINCT`,
        ];
      }),
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      // The views depend on staging.site_id: recreated as migration AnalyticsViews made them.
      `DROP VIEW analytics.daily_activity`,
      `DROP VIEW analytics.events`,
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
      `GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO tracking_reader, tracking_analyst`,
      `DROP INDEX staging.site_events_tenant_site_load_idx`,
      `ALTER TABLE staging.site_events DROP COLUMN site_id`,
      `ALTER TABLE staging.data_quality_log DROP COLUMN site_id`,
      // Rows that differed only by their site would collide in the old grain: counted again from staging.
      ...ROLLED_UP_WITH_MEMBER_SETS.flatMap((rollup) => {
        const name = rollup.table.split('.')[1] ?? rollup.table;
        return [
          `TRUNCATE ${rollup.table}`,
          `DROP INDEX ${rollup.table.split('.')[0]}.${name}_grain`,
          `ALTER TABLE ${rollup.table} DROP COLUMN site_id`,
          `CREATE UNIQUE INDEX ${name}_grain ON ${rollup.table} (${rollupKeys(rollup, 'before-sites').join(', ')}) NULLS NOT DISTINCT`,
        ];
      }),
      ...BACKFILL_ROLLUPS,
      ...[...TENANT_TABLES].reverse().map((table) => `DROP TABLE ${table}`),
      ...HUBS.map((table) => `DROP TABLE ${table}`),
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }
}
