import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tracking keys (seed 002): a publishable id for browsers and a secret for servers, stored only as
 * SHA-256. Rotation leaves the old key valid until expires_at; revocation ends it at once.
 */
export class TrackingKeys1795400000000 implements MigrationInterface {
  readonly name = 'TrackingKeys1795400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS gateway`);
    await queryRunner.query(`
      CREATE TABLE gateway.tracking_keys (
        key_id          text        PRIMARY KEY,
        customer_id     text        NOT NULL,
        publishable_key text        NOT NULL UNIQUE,
        secret_sha256   bytea       NOT NULL UNIQUE CHECK (octet_length(secret_sha256) = 32),
        description     text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        expires_at      timestamptz,
        revoked_at      timestamptz,
        rotated_from    text        REFERENCES gateway.tracking_keys (key_id),
        last_used_at    timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX tracking_keys_customer_idx ON gateway.tracking_keys (customer_id, created_at)`);
    await queryRunner.query(`
      CREATE TABLE gateway.tracking_key_audit (
        audit_id    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key_id      text        NOT NULL REFERENCES gateway.tracking_keys (key_id),
        customer_id text        NOT NULL,
        action      text        NOT NULL CHECK (action IN ('created', 'rotated', 'revoked')),
        occurred_at timestamptz NOT NULL DEFAULT now(),
        detail      jsonb       NOT NULL DEFAULT '{}'::jsonb
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE gateway.tracking_key_audit`);
    await queryRunner.query(`DROP TABLE gateway.tracking_keys`);
  }
}
