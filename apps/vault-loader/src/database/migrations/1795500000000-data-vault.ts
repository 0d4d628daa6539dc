import type { MigrationInterface, QueryRunner } from 'typeorm';

const GHOST = `'\\x${'00'.repeat(32)}'::bytea`;
const META = `tenant_hk bytea NOT NULL CHECK (octet_length(tenant_hk) = 32),
        load_date timestamptz NOT NULL,
        record_source text NOT NULL`;

const hub = (table: string, hk: string, bk: string): string[] => [
  `CREATE TABLE business.${table} (
        ${hk} bytea PRIMARY KEY CHECK (octet_length(${hk}) = 32),
        ${bk} text NOT NULL,
        ${META})`,
  `CREATE INDEX ${table}_tenant_idx ON business.${table} (tenant_hk, ${bk})`,
  // Ghost record (datavault4dbt's convention): the target of links whose business key is missing.
  `INSERT INTO business.${table} (${hk}, ${bk}, tenant_hk, load_date, record_source)
     VALUES (${GHOST}, '(unknown)', ${GHOST}, '0001-01-01T00:00:00Z', 'SYSTEM')`,
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

const satellite = (schema: string, table: string, hk: string, parent: string, attributes: string): string[] => [
  `CREATE TABLE ${schema}.${table} (
        ${hk} bytea NOT NULL REFERENCES ${schema}.${parent},
        ${META},
        hash_diff bytea NOT NULL CHECK (octet_length(hash_diff) = 32),
        ${attributes},
        -- Per source (partition): each source's rows follow its own fixed order, see vault-statements.ts.
        PRIMARY KEY (${hk}, load_date, record_source))`,
  `CREATE INDEX ${table}_latest_idx ON ${schema}.${table} (${hk}, record_source, load_date DESC)`,
];

/**
 * Staging and the business Data Vault 2.0 (seeds 000, 001, 003): hubs for event, session, visitor,
 * page and business item; links event-session, event-page, event-visitor, session-visitor and
 * event-business item; satellites for event, session, visitor and page details; an audit hub and
 * satellite fed from tracking.audit.v1. Every row carries tenant_hk, load_date and record_source.
 */
export class DataVault1795500000000 implements MigrationInterface {
  readonly name = 'DataVault1795500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `CREATE SCHEMA IF NOT EXISTS staging`,
      `CREATE SCHEMA IF NOT EXISTS business`,
      `CREATE SCHEMA IF NOT EXISTS audit`,
      `CREATE TABLE staging.site_events (
        tenant_hk bytea NOT NULL,
        event_id text NOT NULL,
        load_date timestamptz NOT NULL,
        record_source text NOT NULL,
        event_type text NOT NULL,
        event_name text,
        occurred_at timestamptz NOT NULL,
        page_url text,
        page_host text,
        page_path text,
        referrer_domain text,
        session_id text,
        visitor_id text,
        user_id text,
        location_id text,
        business_item text,
        utm_source text,
        utm_medium text,
        utm_campaign text,
        consent_state text,
        source text NOT NULL,
        validation_status text NOT NULL CHECK (validation_status IN ('VALID', 'WARNING', 'INVALID')),
        quality_score numeric(5, 2) NOT NULL CHECK (quality_score BETWEEN 0 AND 100),
        validation_errors jsonb NOT NULL,
        PRIMARY KEY (tenant_hk, event_id))`,
      `CREATE INDEX site_events_tenant_occurred_idx ON staging.site_events (tenant_hk, occurred_at)`,
      `CREATE INDEX site_events_tenant_type_idx ON staging.site_events (tenant_hk, event_type, occurred_at)`,
      `CREATE INDEX site_events_tenant_page_idx ON staging.site_events (tenant_hk, page_host, page_path)`,
      `CREATE INDEX site_events_tenant_load_idx ON staging.site_events (tenant_hk, load_date)`,
      `CREATE TABLE staging.data_quality_log (
        tenant_hk bytea NOT NULL,
        event_id text NOT NULL,
        check_name text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('ERROR', 'WARNING', 'INFO')),
        message text NOT NULL,
        load_date timestamptz NOT NULL,
        record_source text NOT NULL,
        PRIMARY KEY (tenant_hk, event_id, check_name))`,
      `CREATE INDEX data_quality_log_tenant_load_idx ON staging.data_quality_log (tenant_hk, load_date)`,

      ...hub('site_event_h', 'event_hk', 'event_bk'),
      ...hub('site_session_h', 'session_hk', 'session_bk'),
      ...hub('site_visitor_h', 'visitor_hk', 'visitor_bk'),
      ...hub('site_page_h', 'page_hk', 'page_bk'),
      ...hub('business_item_h', 'business_item_hk', 'business_item_bk'),

      ...link('event_session_l', 'event_session_hk', ['event_hk', 'site_event_h'], ['session_hk', 'site_session_h']),
      ...link('event_page_l', 'event_page_hk', ['event_hk', 'site_event_h'], ['page_hk', 'site_page_h']),
      ...link('event_visitor_l', 'event_visitor_hk', ['event_hk', 'site_event_h'], ['visitor_hk', 'site_visitor_h']),
      ...link('session_visitor_l', 'session_visitor_hk', ['session_hk', 'site_session_h'], ['visitor_hk', 'site_visitor_h']),
      ...link('event_business_item_l', 'event_business_item_hk', ['event_hk', 'site_event_h'], ['business_item_hk', 'business_item_h']),

      ...satellite(
        'business',
        'site_event_details_s',
        'event_hk',
        'site_event_h',
        `event_type text NOT NULL, event_name text, occurred_at timestamptz NOT NULL, received_at timestamptz NOT NULL,
        sent_at timestamptz, page_url text, referrer text, referrer_domain text, location_id text, user_id text,
        consent_state text, ip_address text, user_agent text, event_data jsonb NOT NULL,
        utm_source text, utm_medium text, utm_campaign text, utm_term text, utm_content text,
        batch_id text, source text NOT NULL, security_score double precision, suspicious boolean NOT NULL,
        quality_score numeric(5, 2) NOT NULL`,
      ),
      `CREATE INDEX site_event_details_s_tenant_occurred_idx ON business.site_event_details_s (tenant_hk, occurred_at)`,
      ...satellite(
        'business',
        'site_session_details_s',
        'session_hk',
        'site_session_h',
        `user_id text, location_id text, consent_state text, ip_address text, user_agent text,
        utm_source text, utm_medium text, utm_campaign text`,
      ),
      ...satellite('business', 'site_visitor_details_s', 'visitor_hk', 'site_visitor_h', `user_id text, consent_state text, user_agent text`),
      ...satellite('business', 'site_page_details_s', 'page_hk', 'site_page_h', `page_host text NOT NULL, page_path text NOT NULL, page_title text`),

      `CREATE TABLE audit.audit_event_h (
        audit_hk bytea PRIMARY KEY CHECK (octet_length(audit_hk) = 32),
        audit_bk text NOT NULL,
        ${META})`,
      `CREATE INDEX audit_event_h_tenant_load_idx ON audit.audit_event_h (tenant_hk, load_date)`,
      ...satellite(
        'audit',
        'audit_event_details_s',
        'audit_hk',
        'audit_event_h',
        `customer_id text, endpoint text NOT NULL, status_code integer NOT NULL, outcome text NOT NULL, error_code text,
        latency_ms double precision NOT NULL, ip_block text, security_score double precision, suspicious boolean NOT NULL,
        key_id text, events_received integer NOT NULL, events_accepted integer NOT NULL, events_rejected integer NOT NULL,
        events_dropped integer NOT NULL`,
      ),
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA audit CASCADE`);
    await queryRunner.query(`DROP SCHEMA business CASCADE`);
    await queryRunner.query(`DROP SCHEMA staging CASCADE`);
  }
}
