import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DIMENSION_TABLES } from '@tracking/vault-schema';
import { BACKFILL_DIMENSIONS, rollupKeys, sketchKeys } from '../../vault/rollup-statements';

const TENANT = `tenant_hk bytea NOT NULL CHECK (octet_length(tenant_hk) = 32)`;

/**
 * Per-dimension daily rollups (issue 22): rollup.daily_dimensions (events per tenant, day, site,
 * dimension and value) and rollup.daily_dimension_sketches (distinct visitors and sessions at that
 * grain), from which the unfiltered and per-site analytics reports answer: a few rows per day and
 * value instead of daily_events' full grain, about a row per event at high density. Created, secured
 * as the other rollups, and counted from every staging row (holding writes to staging meanwhile, so
 * a loader of this version waiting on it cannot count a row twice; loaders of the previous version
 * do not maintain them: stop them first, as for migration Rollups).
 */
export class DimensionRollups1797000000100 implements MigrationInterface {
  readonly name = 'DimensionRollups1797000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const grain = `${TENANT}, day date NOT NULL, site_id text, dimension text NOT NULL, value_1 text, value_2 text`;
    const statements = [
      `LOCK TABLE staging.site_events IN SHARE MODE`,
      `CREATE TABLE rollup.daily_dimensions (${grain}, events bigint NOT NULL)`,
      `CREATE TABLE rollup.daily_dimension_sketches (${grain}, members bytea NOT NULL)`,
      ...DIMENSION_TABLES.flatMap((table) => {
        const name = table.table.split('.')[1] ?? table.table;
        const keys = name === 'daily_dimensions' ? rollupKeys(table) : sketchKeys(table);
        // The grain's columns, dimension second: a report reads one dimension of a tenant's window, an index range.
        const indexed = ['tenant_hk', 'dimension', ...keys.filter((key) => key !== 'tenant_hk' && key !== 'dimension')];
        return [
          `CREATE UNIQUE INDEX ${name}_grain ON ${table.table} (${indexed.join(', ')}) NULLS NOT DISTINCT`,
          `ALTER TABLE ${table.table} ENABLE ROW LEVEL SECURITY`,
          `CREATE POLICY tenant_isolation ON ${table.table} FOR SELECT USING (tenant_hk = (SELECT vault_security.current_tenant_hk()))`,
          `GRANT SELECT ON ${table.table} TO tracking_reader, tracking_analyst`,
        ];
      }),
      ...BACKFILL_DIMENSIONS,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of DIMENSION_TABLES) await queryRunner.query(`DROP TABLE ${table.table}`);
  }
}
