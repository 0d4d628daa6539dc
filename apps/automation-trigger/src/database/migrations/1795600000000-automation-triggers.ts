import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fired triggers, unique per customer, workflow and idempotency key: the constraint is what makes a
 * trigger fire once, whatever Kafka redelivers. The same rows are the outbox that the topic
 * publication and the webhook deliveries run from, so neither is lost nor repeated by a crash.
 */
export class AutomationTriggers1795600000000 implements MigrationInterface {
  readonly name = 'AutomationTriggers1795600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `CREATE SCHEMA IF NOT EXISTS automation`,
      `CREATE TABLE automation.triggers (
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        trigger_id text PRIMARY KEY,
        customer_id text NOT NULL,
        workflow_id text NOT NULL,
        idempotency_key text NOT NULL,
        event_id text NOT NULL,
        session_id text,
        payload jsonb NOT NULL,
        fired_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        webhook_url text,
        delivery_status text NOT NULL CHECK (delivery_status IN ('none', 'pending', 'delivered', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        lease_until timestamptz,
        last_error text,
        delivered_at timestamptz,
        dead_lettered_at timestamptz,
        CONSTRAINT triggers_once UNIQUE (customer_id, workflow_id, idempotency_key))`,
      `CREATE INDEX triggers_unpublished_idx ON automation.triggers (seq) WHERE published_at IS NULL`,
      `CREATE INDEX triggers_pending_idx ON automation.triggers (webhook_url, session_id, seq) WHERE delivery_status = 'pending'`,
      `CREATE INDEX triggers_dead_idx ON automation.triggers (seq) WHERE delivery_status = 'dead' AND dead_lettered_at IS NULL`,
      `CREATE INDEX triggers_customer_idx ON automation.triggers (customer_id, seq)`,
      `CREATE TABLE automation.delivery_attempts (
        trigger_id text NOT NULL REFERENCES automation.triggers (trigger_id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        attempted_at timestamptz NOT NULL,
        status_code integer,
        error text,
        duration_ms double precision NOT NULL,
        PRIMARY KEY (trigger_id, attempt))`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA automation CASCADE`);
  }
}
