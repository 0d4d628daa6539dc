import type { MigrationInterface, QueryRunner } from 'typeorm';
import { BACKFILL_ROLLUPS, ROLLED_UP_WITH_MEMBER_SETS, rollupKeys } from '../../vault/rollup-statements';

const TENANT = `tenant_hk bytea NOT NULL CHECK (octet_length(tenant_hk) = 32)`;

/**
 * Rollups the read API answers from (libs/vault-schema rollup-tables.ts): per tenant and UTC day the
 * analytics dimensions, with exact daily sets of visitors and sessions; per tenant and UTC hour the
 * event counts, the quality counts and the quality issues. Row-level security as on the vault.
 * Existing staging rows are counted in (a vault loaded before this migration); from then on the
 * loader keeps them in the transaction of each batch. Also: the per-event lists (the timeline by
 * occurred_at, recent events by load_date) read an index in their exact order, event id included.
 */
export class Rollups1795700000000 implements MigrationInterface {
  readonly name = 'Rollups1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `CREATE SCHEMA IF NOT EXISTS rollup`,
      `CREATE TABLE rollup.daily_events (${TENANT}, day date NOT NULL, event_type text NOT NULL, event_name text,
        page_host text, page_path text, referrer_domain text, utm_source text, utm_medium text, utm_campaign text, events bigint NOT NULL)`,
      `CREATE TABLE rollup.daily_visitors (${TENANT}, day date NOT NULL, event_type text NOT NULL, event_name text,
        page_host text, page_path text, referrer_domain text, visitor_id text NOT NULL, events bigint NOT NULL)`,
      `CREATE TABLE rollup.daily_sessions (${TENANT}, day date NOT NULL, event_type text NOT NULL, event_name text,
        page_host text, page_path text, utm_source text, utm_medium text, utm_campaign text, session_id text NOT NULL, events bigint NOT NULL)`,
      `CREATE TABLE rollup.hourly_events (${TENANT}, hour timestamptz NOT NULL, event_type text NOT NULL, events bigint NOT NULL)`,
      `CREATE TABLE rollup.hourly_quality (${TENANT}, hour timestamptz NOT NULL, validation_status text NOT NULL, events bigint NOT NULL,
        quality_score_sum numeric NOT NULL)`,
      `CREATE TABLE rollup.hourly_issues (${TENANT}, hour timestamptz NOT NULL, check_name text NOT NULL, severity text NOT NULL, events bigint NOT NULL)`,
      // The grain is the upsert's conflict target; NULLS NOT DISTINCT: "no referrer" is one value, not one row per event.
      ...ROLLED_UP_WITH_MEMBER_SETS.map((rollup) => {
        const name = rollup.table.split('.')[1] ?? rollup.table;
        return `CREATE UNIQUE INDEX ${name}_grain ON ${rollup.table} (${rollupKeys(rollup, 'before-sites').join(', ')}) NULLS NOT DISTINCT`;
      }),
      ...ROLLED_UP_WITH_MEMBER_SETS.flatMap(({ table }) => [
        `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
        `CREATE POLICY tenant_isolation ON ${table} FOR SELECT USING (tenant_hk = (SELECT vault_security.current_tenant_hk()))`,
        `GRANT SELECT ON ${table} TO tracking_reader, tracking_analyst`,
      ]),
      `GRANT USAGE ON SCHEMA rollup TO tracking_reader, tracking_analyst`,
      ...BACKFILL_ROLLUPS,
      `DROP INDEX staging.site_events_tenant_occurred_idx`,
      `CREATE INDEX site_events_tenant_occurred_idx ON staging.site_events (tenant_hk, occurred_at, event_id)`,
      `DROP INDEX staging.site_events_tenant_load_idx`,
      `CREATE INDEX site_events_tenant_load_idx ON staging.site_events (tenant_hk, load_date, event_id)`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA rollup CASCADE`);
    await queryRunner.query(`DROP INDEX staging.site_events_tenant_occurred_idx`);
    await queryRunner.query(`CREATE INDEX site_events_tenant_occurred_idx ON staging.site_events (tenant_hk, occurred_at)`);
    await queryRunner.query(`DROP INDEX staging.site_events_tenant_load_idx`);
    await queryRunner.query(`CREATE INDEX site_events_tenant_load_idx ON staging.site_events (tenant_hk, load_date)`);
  }
}
