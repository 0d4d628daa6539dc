import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each customer's storage as last measured (issue 23: usage against storage_quota_gb), shared by
 * every gateway instance: any of them answers with the same figures, and `warned_level` makes the
 * 80 % and 100 % warnings once per crossing however many instances measure (a conditional update
 * decides which one writes the audit record).
 */
export class StorageUsage1795830000000 implements MigrationInterface {
  readonly name = 'StorageUsage1795830000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS gateway`);
    await queryRunner.query(`
      CREATE TABLE gateway.storage_usage (
        customer_id   text        PRIMARY KEY,
        vault_bytes   bigint      NOT NULL CHECK (vault_bytes >= 0),
        export_bytes  bigint      CHECK (export_bytes >= 0),
        export_status text        NOT NULL,
        measured_at   timestamptz NOT NULL,
        warned_level  smallint    NOT NULL DEFAULT 0 CHECK (warned_level IN (0, 80, 100)),
        warned_at     timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE gateway.storage_usage`);
  }
}
