import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scopes on keys made through the keys API (issue 21): a customer creating a key in the console
 * chooses among ingest, read and admin. Existing keys get [ingest, read], what every key could do
 * before, so nothing that works today stops working. `rotated_at` says when a key was replaced by a
 * rotation (its successor names it in rotated_from), which the key list shows as "last rotated".
 */
export class TrackingKeyScopes1795910000000 implements MigrationInterface {
  readonly name = 'TrackingKeyScopes1795910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE gateway.tracking_keys
        ADD COLUMN scopes text[] NOT NULL DEFAULT ARRAY['ingest', 'read']::text[]
          CONSTRAINT tracking_keys_scopes_known CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['ingest', 'read', 'admin']::text[]),
        ADD COLUMN rotated_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE gateway.tracking_keys DROP COLUMN rotated_at, DROP COLUMN scopes`);
  }
}
