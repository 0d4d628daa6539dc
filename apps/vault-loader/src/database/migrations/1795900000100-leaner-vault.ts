import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes nothing reads any more (issue 22's storage measurement: about 8 KB per event on disk, the
 * indexes a large part of it). Each is on a partitioned table, so dropping it drops its partitions'
 * indexes too.
 * - the event satellite's `latest_idx` (event_hk, record_source, load_date DESC): its primary key
 *   (event_hk, load_date, record_source) answers the load's "row before" lookup, an event having one
 *   row per source; the other satellites keep theirs (many rows per key);
 * - the event satellite's (tenant_hk, occurred_at): no query reads the satellite by time (the read
 *   API reads the rollups and staging);
 * - staging's (tenant_hk, event_type, occurred_at) and (tenant_hk, page_host, page_path): the read
 *   API's counts come from the rollups since migration Rollups, and its per-event lists (the timeline,
 *   the CSV export, with or without a type or URL filter) walk (tenant_hk, occurred_at, event_id);
 * - raw's (tenant_hk, load_date): only the retention purge reads raw by load date, within the months
 *   it prunes to, where the primary key (tenant_hk, event_id, load_date) serves it.
 */
const DROPPED = [
  'business.site_event_details_s_latest_idx',
  'business.site_event_details_s_tenant_occurred_idx',
  'staging.site_events_tenant_type_idx',
  'staging.site_events_tenant_page_idx',
  'raw.site_tracking_events_r_tenant_load_date_idx',
];

export class LeanerVault1795900000100 implements MigrationInterface {
  readonly name = 'LeanerVault1795900000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const index of DROPPED) await queryRunner.query(`DROP INDEX IF EXISTS ${index}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX site_event_details_s_latest_idx ON business.site_event_details_s (event_hk, record_source, load_date DESC)`);
    await queryRunner.query(`CREATE INDEX site_event_details_s_tenant_occurred_idx ON business.site_event_details_s (tenant_hk, occurred_at)`);
    await queryRunner.query(`CREATE INDEX site_events_tenant_type_idx ON staging.site_events (tenant_hk, event_type, occurred_at)`);
    await queryRunner.query(`CREATE INDEX site_events_tenant_page_idx ON staging.site_events (tenant_hk, page_host, page_path)`);
    await queryRunner.query(`CREATE INDEX site_tracking_events_r_tenant_load_date_idx ON raw.site_tracking_events_r (tenant_hk, load_date)`);
  }
}
