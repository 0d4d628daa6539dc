import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Redrives of rejected events (issue 21): which rejection was sent again, under which event id, when
 * and by whom (a key id or an operator, never a secret). The gateway's own table: the rejections
 * themselves are the vault-loader's insert-only raw rows, which the gateway only reads. Nothing
 * personal is kept here; rows older than the rejections (14 days) are deleted by the redrive route.
 */
export class RejectionRedrives1795920000100 implements MigrationInterface {
  readonly name = 'RejectionRedrives1795920000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS gateway`);
    await queryRunner.query(`
      CREATE TABLE gateway.rejection_redrives (
        tenant_hk         bytea       NOT NULL CHECK (octet_length(tenant_hk) = 32),
        rejection_id      text        NOT NULL,
        event_id          text        NOT NULL,
        outcome           text        NOT NULL CHECK (outcome IN ('accepted', 'dropped')),
        first_redriven_at timestamptz NOT NULL,
        redriven_at       timestamptz NOT NULL,
        redriven_by       text        NOT NULL,
        redrives          integer     NOT NULL DEFAULT 1,
        PRIMARY KEY (tenant_hk, rejection_id)
      )`);
    await queryRunner.query(`CREATE INDEX rejection_redrives_redriven_at_idx ON gateway.rejection_redrives (redriven_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE gateway.rejection_redrives`);
  }
}
