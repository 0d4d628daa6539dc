import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When each singleton job (the retention purge) last ran, so that several loader instances run it once. */
export class JobRuns1795600000000 implements MigrationInterface {
  readonly name = 'JobRuns1795600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ops`);
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS ops.job_runs (job text PRIMARY KEY, last_run_at timestamptz NOT NULL, instance text)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ops.job_runs`);
  }
}
