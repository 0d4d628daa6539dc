import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit satellite keeps what the audit record's later optional fields say (issues 20 and 23):
 * which service answered, who asked (by role), what was asked and how many rows it returned, and an
 * abuse record's kind, target and, for a summary, its count, interval and networks. All nullable:
 * rows loaded before them, and records written before them, have none.
 */
export class AuditReadsAndAbuse1795820000000 implements MigrationInterface {
  readonly name = 'AuditReadsAndAbuse1795820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE audit.audit_event_details_s
         ADD COLUMN service text,
         ADD COLUMN actor text,
         ADD COLUMN request_params text,
         ADD COLUMN rows_returned bigint,
         ADD COLUMN abuse_kind text,
         ADD COLUMN abuse_customer_id text,
         ADD COLUMN abuse_count bigint,
         ADD COLUMN abuse_window_start timestamptz,
         ADD COLUMN abuse_networks integer`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE audit.audit_event_details_s
         DROP COLUMN service, DROP COLUMN actor, DROP COLUMN request_params, DROP COLUMN rows_returned, DROP COLUMN abuse_kind,
         DROP COLUMN abuse_customer_id, DROP COLUMN abuse_count, DROP COLUMN abuse_window_start, DROP COLUMN abuse_networks`,
    );
  }
}
