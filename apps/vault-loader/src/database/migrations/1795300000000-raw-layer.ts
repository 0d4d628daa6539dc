import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Raw layer (seeds 000/001/003): every event exactly as it came off the topic, with where it came
 * from. The primary key is the event's natural key within its tenant, which is what makes loading
 * idempotent: a replayed or duplicated record inserts nothing.
 */
export class RawLayer1795300000000 implements MigrationInterface {
  readonly name = 'RawLayer1795300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS raw`);
    await queryRunner.query(`
      CREATE TABLE raw.site_tracking_events_r (
        tenant_hk          bytea       NOT NULL CHECK (octet_length(tenant_hk) = 32),
        event_id           text        NOT NULL,
        customer_id        text        NOT NULL,
        load_date          timestamptz NOT NULL,
        record_source      text        NOT NULL,
        kafka_topic        text        NOT NULL,
        kafka_partition    integer     NOT NULL,
        kafka_offset       bigint      NOT NULL,
        schema_id          integer     NOT NULL,
        raw_payload        jsonb       NOT NULL,
        processing_status  text        NOT NULL DEFAULT 'PENDING'
                           CHECK (processing_status IN ('PENDING', 'PROCESSED', 'FAILED')),
        CONSTRAINT site_tracking_events_r_pk PRIMARY KEY (tenant_hk, event_id)
      )`);
    await queryRunner.query(`COMMENT ON COLUMN raw.site_tracking_events_r.load_date IS 'received_at of the event: derived from the record, so a replay loads identical rows'`);
    await queryRunner.query(`CREATE INDEX site_tracking_events_r_tenant_load_date_idx ON raw.site_tracking_events_r (tenant_hk, load_date)`);
    await queryRunner.query(`CREATE INDEX site_tracking_events_r_pending_idx ON raw.site_tracking_events_r (tenant_hk) WHERE processing_status = 'PENDING'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE raw.site_tracking_events_r`);
    await queryRunner.query(`DROP SCHEMA IF EXISTS raw`);
  }
}
