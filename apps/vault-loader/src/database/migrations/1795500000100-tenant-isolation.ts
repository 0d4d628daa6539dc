import type { MigrationInterface, QueryRunner } from 'typeorm';

const GHOST = `'\\x${'00'.repeat(32)}'::bytea`;

/** Every table with tenant data; hubs also show their ghost row to every tenant. */
const TENANT_TABLES = [
  'raw.site_tracking_events_r',
  'staging.site_events',
  'staging.data_quality_log',
  'business.site_event_details_s',
  'business.site_session_details_s',
  'business.site_visitor_details_s',
  'business.site_page_details_s',
  'business.event_session_l',
  'business.event_page_l',
  'business.event_visitor_l',
  'business.session_visitor_l',
  'business.event_business_item_l',
  'audit.audit_event_h',
  'audit.audit_event_details_s',
];
const HUB_TABLES = ['business.site_event_h', 'business.site_session_h', 'business.site_visitor_h', 'business.site_page_h', 'business.business_item_h'];

/**
 * Tenant isolation in the database itself (not only in WHERE clauses): row-level security on every
 * tenant table. A session sees the tenant its login role is mapped to in vault_security.tenant_roles
 * (analysts: they cannot switch), else the tenant set with `SET app.tenant_hk = '<hex>'` (the
 * gateway's read API, as role tracking_reader). Without either it sees nothing.
 */
export class TenantIsolation1795500000100 implements MigrationInterface {
  readonly name = 'TenantIsolation1795500000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `DO $$ BEGIN
         IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tracking_reader') THEN CREATE ROLE tracking_reader NOLOGIN; END IF;
         IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tracking_analyst') THEN CREATE ROLE tracking_analyst NOLOGIN; END IF;
       END $$`,
      `CREATE SCHEMA IF NOT EXISTS vault_security`,
      `CREATE TABLE vault_security.tenant_roles (
        role_name name PRIMARY KEY,
        tenant_hk bytea NOT NULL CHECK (octet_length(tenant_hk) = 32))`,
      `CREATE FUNCTION vault_security.current_tenant_hk() RETURNS bytea
         LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
           SELECT COALESCE(
             (SELECT tenant_hk FROM vault_security.tenant_roles WHERE role_name = session_user),
             decode(NULLIF(current_setting('app.tenant_hk', true), ''), 'hex'))
         $$`,
      `REVOKE ALL ON vault_security.tenant_roles FROM PUBLIC`,
      `GRANT USAGE ON SCHEMA vault_security TO tracking_reader, tracking_analyst`,
      `GRANT EXECUTE ON FUNCTION vault_security.current_tenant_hk() TO tracking_reader, tracking_analyst`,
      `GRANT USAGE ON SCHEMA raw, staging, business, audit TO tracking_reader, tracking_analyst`,
      ...TENANT_TABLES.flatMap((table) => [
        `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
        `CREATE POLICY tenant_isolation ON ${table} FOR SELECT USING (tenant_hk = (SELECT vault_security.current_tenant_hk()))`,
        `GRANT SELECT ON ${table} TO tracking_reader, tracking_analyst`,
      ]),
      ...HUB_TABLES.flatMap((table) => [
        `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
        `CREATE POLICY tenant_isolation ON ${table} FOR SELECT USING (tenant_hk = (SELECT vault_security.current_tenant_hk()) OR tenant_hk = ${GHOST})`,
        `GRANT SELECT ON ${table} TO tracking_reader, tracking_analyst`,
      ]),

      // Right to be forgotten: who was erased, kept so that a replay anonymises them again at load time.
      `CREATE SCHEMA IF NOT EXISTS privacy`,
      `CREATE TABLE privacy.erasures (
        tenant_hk bytea NOT NULL,
        subject_type text NOT NULL CHECK (subject_type IN ('visitor', 'user')),
        subject_hk bytea NOT NULL CHECK (octet_length(subject_hk) = 32),
        request_id uuid NOT NULL UNIQUE,
        requested_at timestamptz NOT NULL,
        rows_anonymised jsonb NOT NULL DEFAULT '{}'::jsonb,
        PRIMARY KEY (tenant_hk, subject_type, subject_hk))`,

      // Operations, not vault: when batches were loaded and how long they took (the dashboard's processing figures).
      `CREATE SCHEMA IF NOT EXISTS ops`,
      `CREATE TABLE ops.load_batches (
        batch_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        loaded_at timestamptz NOT NULL DEFAULT now(),
        topic text NOT NULL,
        kafka_partition integer NOT NULL,
        first_offset bigint NOT NULL,
        last_offset bigint NOT NULL,
        records integer NOT NULL,
        rows_inserted integer NOT NULL,
        dead_lettered integer NOT NULL,
        duration_ms double precision NOT NULL)`,
      `CREATE INDEX load_batches_loaded_at_idx ON ops.load_batches (loaded_at)`,
      `GRANT USAGE ON SCHEMA ops TO tracking_reader`,
      `GRANT SELECT ON ops.load_batches TO tracking_reader`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TENANT_TABLES, ...HUB_TABLES]) {
      await queryRunner.query(`DROP POLICY IF EXISTS tenant_isolation ON ${table}`);
      await queryRunner.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    }
    await queryRunner.query(`DROP SCHEMA ops CASCADE`);
    await queryRunner.query(`DROP SCHEMA privacy CASCADE`);
    await queryRunner.query(`DROP SCHEMA vault_security CASCADE`);
  }
}
