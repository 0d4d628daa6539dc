import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The console's event journey looks a customer's triggers up by event id or idempotency key: without
 * these, each look-up would read every trigger of the customer (the unique indexes lead with workflow_id).
 */
export class TriggersByEvent1795940000000 implements MigrationInterface {
  readonly name = 'TriggersByEvent1795940000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS triggers_customer_event_idx ON automation.triggers (customer_id, event_id)`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS triggers_customer_idempotency_idx ON automation.triggers (customer_id, idempotency_key)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS automation.triggers_customer_idempotency_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS automation.triggers_customer_event_idx`);
  }
}
