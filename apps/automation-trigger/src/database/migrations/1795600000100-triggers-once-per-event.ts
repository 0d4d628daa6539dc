import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One trigger per workflow and event id as well as per idempotency key. The key carries the
 * skew-corrected occurred_at, which a client's retry with a new sent_at shifts by a few
 * milliseconds: the same event (same id) would otherwise make a second key and fire twice.
 */
export class TriggersOncePerEvent1795600000100 implements MigrationInterface {
  readonly name = 'TriggersOncePerEvent1795600000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Keeps the first of any pair that fired before this constraint existed.
    await queryRunner.query(`DELETE FROM automation.triggers later
      USING automation.triggers earlier
      WHERE later.customer_id = earlier.customer_id AND later.workflow_id = earlier.workflow_id
        AND later.event_id = earlier.event_id AND later.seq > earlier.seq`);
    await queryRunner.query(`CREATE UNIQUE INDEX triggers_once_per_event ON automation.triggers (customer_id, workflow_id, event_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX automation.triggers_once_per_event`);
  }
}
