import type { MigrationInterface, QueryRunner } from 'typeorm';
import { hashKey, normaliseBusinessKeyPart } from '@tracking/contracts';

const BACKFILL_BATCH = 5000;

/**
 * What erasure (issue 20) needs of the trigger rows:
 * - `visitor_hk` / `user_hk`: hashKey(customer, id) of the event's visitor and user, so a request
 *   (which names subjects only by these hashes) finds its rows by index, without reading payloads;
 * - `erased_at` and the delivery state `cancelled`: an erased row is kept, anonymised, as the record
 *   that its event already fired (its trigger_id still blocks a second firing), and is never
 *   published, delivered or redelivered;
 * - `automation.erasures`: one row per request applied, the conditional insert that makes several
 *   instances apply a request once, and whether its report went out;
 * - `automation.erased_subjects`: the erased hashes, which the trigger insert checks under a lock the
 *   erasure holds, so an instance whose erasure list lags cannot record a trigger the erasure missed.
 */
export class TriggerErasure1795810000000 implements MigrationInterface {
  readonly name = 'TriggerErasure1795810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `ALTER TABLE automation.triggers ADD COLUMN visitor_hk bytea, ADD COLUMN user_hk bytea, ADD COLUMN erased_at timestamptz`,
      `ALTER TABLE automation.triggers DROP CONSTRAINT triggers_delivery_status_check`,
      `ALTER TABLE automation.triggers ADD CONSTRAINT triggers_delivery_status_check
         CHECK (delivery_status IN ('none', 'pending', 'delivered', 'dead', 'cancelled'))`,
      // Erased rows never published stay unpublished for good; the outbox's index leaves them out.
      `DROP INDEX automation.triggers_unpublished_idx`,
      `CREATE INDEX triggers_unpublished_idx ON automation.triggers (seq) WHERE published_at IS NULL AND erased_at IS NULL`,
      `CREATE INDEX triggers_visitor_hk_idx ON automation.triggers (customer_id, visitor_hk) WHERE visitor_hk IS NOT NULL`,
      `CREATE INDEX triggers_user_hk_idx ON automation.triggers (customer_id, user_hk) WHERE user_hk IS NOT NULL`,
      `CREATE TABLE automation.erasures (
        request_id text PRIMARY KEY,
        customer_id text NOT NULL,
        subjects_digest text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        applied_by text NOT NULL,
        found integer NOT NULL DEFAULT 0,
        removed integer NOT NULL DEFAULT 0,
        cancelled integer NOT NULL DEFAULT 0,
        reported_at timestamptz)`,
      `CREATE INDEX erasures_unreported_idx ON automation.erasures (applied_at) WHERE reported_at IS NULL`,
      `CREATE TABLE automation.erased_subjects (
        customer_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('visitor', 'user')),
        subject_hk bytea NOT NULL,
        request_id text NOT NULL,
        PRIMARY KEY (customer_id, kind, subject_hk))`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
    await this.backfillVisitorHashes(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE automation.erased_subjects`);
    await queryRunner.query(`DROP TABLE automation.erasures`);
    await queryRunner.query(`DROP INDEX automation.triggers_unpublished_idx`);
    await queryRunner.query(`CREATE INDEX triggers_unpublished_idx ON automation.triggers (seq) WHERE published_at IS NULL`);
    await queryRunner.query(`UPDATE automation.triggers SET delivery_status = 'dead', dead_lettered_at = coalesce(dead_lettered_at, now()) WHERE delivery_status = 'cancelled'`);
    await queryRunner.query(`ALTER TABLE automation.triggers DROP CONSTRAINT triggers_delivery_status_check`);
    await queryRunner.query(`ALTER TABLE automation.triggers ADD CONSTRAINT triggers_delivery_status_check CHECK (delivery_status IN ('none', 'pending', 'delivered', 'dead'))`);
    await queryRunner.query(`ALTER TABLE automation.triggers DROP COLUMN visitor_hk, DROP COLUMN user_hk, DROP COLUMN erased_at`);
  }

  /**
   * Rows recorded before this migration get their visitor's hash from the payload, computed here by the
   * very function requests use (SQL's upper() and btrim() differ from it outside ASCII). Their user is
   * not in the payload, so they can be found by visitor only.
   */
  private async backfillVisitorHashes(queryRunner: QueryRunner): Promise<void> {
    let after = -1;
    for (;;) {
      const rows = (await queryRunner.query(
        `SELECT seq, trigger_id, customer_id, payload->>'visitor_id' AS visitor_id FROM automation.triggers
          WHERE seq > $1 AND payload->>'visitor_id' IS NOT NULL ORDER BY seq LIMIT $2`,
        [after, BACKFILL_BATCH],
      )) as Array<{ seq: string; trigger_id: string; customer_id: string; visitor_id: string }>;
      if (rows.length === 0) return;
      // A blank visitor id has no hash (hashKey would give the ghost key, which names nobody).
      const named = rows.filter((row) => normaliseBusinessKeyPart(row.visitor_id) !== '');
      await queryRunner.query(
        `UPDATE automation.triggers t SET visitor_hk = decode(i.hk, 'hex')
           FROM unnest($1::text[], $2::text[]) AS i(trigger_id, hk) WHERE t.trigger_id = i.trigger_id`,
        [named.map((row) => row.trigger_id), named.map((row) => hashKey(row.customer_id, row.visitor_id).toString('hex'))],
      );
      after = Number(rows[rows.length - 1]?.seq);
    }
  }
}
