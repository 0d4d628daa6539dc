import type { MigrationInterface, QueryRunner } from 'typeorm';
import { BACKFILL_MEMBER_SETS, MEMBER_SET_ROLLUPS, rollupKeys } from '../../vault/rollup-statements';

const TENANT = `tenant_hk bytea NOT NULL CHECK (octet_length(tenant_hk) = 32)`;

/**
 * Drops the exact daily member sets rollup.daily_visitors and rollup.daily_sessions (issue 22):
 * since migration DistinctSketches the read API counts unique visitors and sessions from the
 * sketches, and the sets, about a row per event each, cost disk and load time for nothing. Their
 * grain indexes and row-level security policies go with them. Down makes them again as they stood
 * (migrations Rollups and Sites) and counts them from the staging layer.
 */
export class DropMemberSets1796000000100 implements MigrationInterface {
  readonly name = 'DropMemberSets1796000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const { table } of MEMBER_SET_ROLLUPS) await queryRunner.query(`DROP TABLE ${table}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `CREATE TABLE rollup.daily_visitors (${TENANT}, day date NOT NULL, event_type text NOT NULL, event_name text,
        page_host text, page_path text, referrer_domain text, visitor_id text NOT NULL, events bigint NOT NULL, site_id text)`,
      `CREATE TABLE rollup.daily_sessions (${TENANT}, day date NOT NULL, event_type text NOT NULL, event_name text,
        page_host text, page_path text, utm_source text, utm_medium text, utm_campaign text, session_id text NOT NULL, events bigint NOT NULL, site_id text)`,
      ...MEMBER_SET_ROLLUPS.flatMap((rollup) => {
        const name = rollup.table.split('.')[1] ?? rollup.table;
        return [
          `CREATE UNIQUE INDEX ${name}_grain ON ${rollup.table} (${rollupKeys(rollup).join(', ')}) NULLS NOT DISTINCT`,
          `ALTER TABLE ${rollup.table} ENABLE ROW LEVEL SECURITY`,
          `CREATE POLICY tenant_isolation ON ${rollup.table} FOR SELECT USING (tenant_hk = (SELECT vault_security.current_tenant_hk()))`,
          `GRANT SELECT ON ${rollup.table} TO tracking_reader, tracking_analyst`,
        ];
      }),
      ...BACKFILL_MEMBER_SETS,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }
}
