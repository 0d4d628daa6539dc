import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Console sessions (issue 21), shared by every gateway instance so a browser can land on any of
 * them. Only the SHA-256 of the session id is kept: a copy of this table signs nobody in.
 */
export class ConsoleSessions1795850000000 implements MigrationInterface {
  readonly name = 'ConsoleSessions1795850000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS gateway`);
    await queryRunner.query(`
      CREATE TABLE gateway.console_sessions (
        id_sha256    bytea       PRIMARY KEY CHECK (octet_length(id_sha256) = 32),
        role         text        NOT NULL CHECK (role IN ('customer', 'operator')),
        customer_id  text,
        token_id     text,
        scopes       text[]      NOT NULL,
        csrf_token   text        NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((role = 'customer') = (customer_id IS NOT NULL AND token_id IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX console_sessions_last_seen_idx ON gateway.console_sessions (last_seen_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE gateway.console_sessions`);
  }
}
