import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The gateway's request health per tenant (issue 21, the Overview's p50/p99 and last errors):
 * every instance adds its per-minute tallies into request_minutes (a fixed-bucket latency histogram,
 * so instances sum) and appends its error answers to request_errors, so any instance answers for
 * all. Both are bounded: minutes for 8 days, errors for 7 days and the newest 100 per tenant
 * (RequestHealthRepository.prune).
 */
export class GatewayRequestHealth1795960000000 implements MigrationInterface {
  readonly name = 'GatewayRequestHealth1795960000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS gateway`);
    await queryRunner.query(`
      CREATE TABLE gateway.request_minutes (
        customer_id     text        NOT NULL,
        minute          timestamptz NOT NULL CHECK (minute = date_trunc('minute', minute)),
        requests        bigint      NOT NULL,
        errors          bigint      NOT NULL,
        latency_buckets bigint[]    NOT NULL,
        PRIMARY KEY (customer_id, minute)
      )`);
    await queryRunner.query(`CREATE INDEX request_minutes_minute_idx ON gateway.request_minutes (minute)`);
    await queryRunner.query(`
      CREATE TABLE gateway.request_errors (
        id          bigserial   PRIMARY KEY,
        customer_id text        NOT NULL,
        at          timestamptz NOT NULL,
        status      smallint    NOT NULL,
        error_code  text        NOT NULL,
        route       text        NOT NULL,
        message     text        NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX request_errors_customer_idx ON gateway.request_errors (customer_id, at DESC)`);
    await queryRunner.query(`CREATE INDEX request_errors_at_idx ON gateway.request_errors (at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE gateway.request_errors`);
    await queryRunner.query(`DROP TABLE gateway.request_minutes`);
  }
}
