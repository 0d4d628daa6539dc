import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The link event-site (business.event_site_l): which site an event belongs to, in the business vault
 * itself (a session may span several sites, so session_site_l cannot say it). An event without a site
 * links to the ghost site, as to a missing session or page. Row-level security as on the other links.
 * Rows for events loaded before: `POST /api/v1/sites/backfill` adds those of events still without a
 * site; events loaded between migrations Sites and this one get theirs from a replay.
 */
export class EventSite1795840000100 implements MigrationInterface {
  readonly name = 'EventSite1795840000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `CREATE TABLE business.event_site_l (
        event_site_hk bytea PRIMARY KEY CHECK (octet_length(event_site_hk) = 32),
        event_hk bytea NOT NULL REFERENCES business.site_event_h,
        site_hk bytea NOT NULL REFERENCES business.site_h,
        tenant_hk bytea NOT NULL CHECK (octet_length(tenant_hk) = 32),
        load_date timestamptz NOT NULL,
        record_source text NOT NULL)`,
      `CREATE INDEX event_site_l_event_hk_idx ON business.event_site_l (event_hk)`,
      `CREATE INDEX event_site_l_site_hk_idx ON business.event_site_l (site_hk)`,
      `ALTER TABLE business.event_site_l ENABLE ROW LEVEL SECURITY`,
      `CREATE POLICY tenant_isolation ON business.event_site_l FOR SELECT USING (tenant_hk = (SELECT vault_security.current_tenant_hk()))`,
      `GRANT SELECT ON business.event_site_l TO tracking_reader, tracking_analyst`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE business.event_site_l`);
  }
}
