import type { MigrationInterface, QueryRunner } from 'typeorm';

const HK = (name: string): string => `${name} bytea CHECK (octet_length(${name}) = 32)`;

/**
 * Rejected events (issue 21): what the gateway refused, loaded from tracking.events.rejected.v1 so
 * the tenant can read it. Raw layer, insert-only: one row per rejection id (a replay inserts
 * nothing), load_date from the record (received_at), row-level security like every tenant table.
 * The subject hash keys are indexed for the privacy erasure; load_date for the 14-day purge.
 */
export class RejectedEvents1795920000000 implements MigrationInterface {
  readonly name = 'RejectedEvents1795920000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `CREATE TABLE raw.rejected_events_r (
        tenant_hk bytea NOT NULL CHECK (octet_length(tenant_hk) = 32),
        rejection_id text NOT NULL,
        customer_id text NOT NULL,
        load_date timestamptz NOT NULL,
        record_source text NOT NULL,
        kafka_topic text NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset bigint NOT NULL,
        schema_id integer NOT NULL,
        source text NOT NULL,
        batch_id text,
        event_index integer,
        errors jsonb NOT NULL,
        payload text NOT NULL,
        payload_truncated boolean NOT NULL,
        ip_block text,
        key_id text,
        event_id text,
        ${HK('visitor_hk')},
        ${HK('user_hk')},
        ${HK('session_hk')},
        CONSTRAINT rejected_events_r_pk PRIMARY KEY (tenant_hk, rejection_id))`,
      `CREATE INDEX rejected_events_r_tenant_load_date_idx ON raw.rejected_events_r (tenant_hk, load_date DESC)`,
      `CREATE INDEX rejected_events_r_load_date_idx ON raw.rejected_events_r (load_date)`,
      `CREATE INDEX rejected_events_r_visitor_idx ON raw.rejected_events_r (visitor_hk) WHERE visitor_hk IS NOT NULL`,
      `CREATE INDEX rejected_events_r_user_idx ON raw.rejected_events_r (user_hk) WHERE user_hk IS NOT NULL`,
      `CREATE INDEX rejected_events_r_session_idx ON raw.rejected_events_r (session_hk) WHERE session_hk IS NOT NULL`,
      `ALTER TABLE raw.rejected_events_r ENABLE ROW LEVEL SECURITY`,
      `CREATE POLICY tenant_isolation ON raw.rejected_events_r FOR SELECT USING (tenant_hk = (SELECT vault_security.current_tenant_hk()))`,
      `GRANT SELECT ON raw.rejected_events_r TO tracking_reader, tracking_analyst`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE raw.rejected_events_r`);
  }
}
