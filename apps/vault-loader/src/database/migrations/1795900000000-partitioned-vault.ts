import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createPartitionStatement, monthOf, nextMonth } from '@tracking/vault-schema';

/**
 * The tables that grow with the events, as this migration found them (frozen here: later
 * declarations do not change what it did). Each becomes range-partitioned by the UTC month of
 * load_date.
 *
 * Not partitioned, on purpose:
 * - hubs: a hub row is keyed by its hash key alone and referenced by links and satellites of any
 *   month; a partitioned hub's unique key would have to include load_date, and the same business key
 *   arriving in two months would then get two rows. The hub is where the vault dedupes keys across
 *   time, and the retention purge keeps a hub row while anything newer refers to it.
 * - links: loaded earliest-wins (a replayed record in any order moves the row's load_date to the
 *   earliest), which is an update of the key's one row across time, not an insert into a month.
 * - the session, visitor and page satellites: one row per change of a long-lived key, not per event.
 */
const TABLES = ['raw.site_tracking_events_r', 'staging.site_events', 'staging.data_quality_log', 'business.site_event_details_s'];

const SUFFIX = '_unpartitioned';
const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const roleName = (role: string): string => (role === '-' ? 'PUBLIC' : quote(role));

interface ViewDefinition {
  name: string;
  definition: string;
  options: string[] | null;
  grants: Array<{ grantee: string; privilege: string }>;
}

/**
 * Moves each table into a partitioned table of the same name, columns (same order), defaults, checks,
 * comments, indexes, foreign keys, row-level security, policies and grants; its unique key gets
 * load_date (the partition key) appended unless it has it already. Every row is copied as it is:
 * test/integration/vault-partitions compares md5 over each table before and after. The views over
 * these tables are dropped and created again from their own definitions. Holds the tables for the
 * copy (stop loaders first, as for migration Rollups).
 */
export class PartitionedVault1795900000000 implements MigrationInterface {
  readonly name = 'PartitionedVault1795900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const query = <T>(sql: string, parameters?: unknown[]): Promise<T[]> => queryRunner.query(sql, parameters) as Promise<T[]>;

    // Every view of the vault's schemas, oldest first (a view depends only on older ones): dropped and created again.
    const views = await query<ViewDefinition>(
      `SELECT c.oid::regclass::text AS name, pg_get_viewdef(c.oid) AS definition, c.reloptions AS options,
              COALESCE((SELECT json_agg(json_build_object('grantee', COALESCE(r.rolname, '-'), 'privilege', a.privilege_type))
                          FROM aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
                         WHERE a.grantee <> c.relowner), '[]'::json) AS grants
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'v' AND n.nspname IN ('raw', 'staging', 'business', 'audit', 'analytics', 'rollup')
        ORDER BY c.oid`,
    );
    for (const view of [...views].reverse()) await queryRunner.query(`DROP VIEW ${view.name}`);

    for (const table of TABLES) await this.partition(queryRunner, table);

    for (const view of views) {
      const options = view.options?.length ? ` WITH (${view.options.join(', ')})` : '';
      await queryRunner.query(`CREATE VIEW ${view.name}${options} AS ${view.definition}`);
      for (const { grantee, privilege } of view.grants) await queryRunner.query(`GRANT ${privilege} ON ${view.name} TO ${roleName(grantee)}`);
    }
  }

  private async partition(queryRunner: QueryRunner, table: string): Promise<void> {
    const query = <T>(sql: string, parameters?: unknown[]): Promise<T[]> => queryRunner.query(sql, parameters) as Promise<T[]>;
    const [schema, name] = table.split('.') as [string, string];
    const old = `${schema}.${name}${SUFFIX}`;

    const indexes = await query<{ definition: string; primary: boolean }>(
      `SELECT pg_get_indexdef(indexrelid) AS definition, indisprimary AS primary FROM pg_index WHERE indrelid = $1::regclass ORDER BY indexrelid`,
      [table],
    );
    const constraints = await query<{ name: string; type: string; definition: string; columns: string[] }>(
      `SELECT conname AS name, contype AS type, pg_get_constraintdef(oid) AS definition,
              ARRAY(SELECT attname FROM unnest(conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.attnum ORDER BY n)::text[] AS columns
         FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'f') ORDER BY oid`,
      [table],
    );
    const [security] = await query<{ enabled: boolean; forced: boolean }>(
      `SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class WHERE oid = $1::regclass`,
      [table],
    );
    const policies = await query<{ name: string; permissive: string; command: string; roles: string[]; using: string | null; check: string | null }>(
      `SELECT policyname AS name, permissive, cmd AS command, roles::text[] AS roles, qual AS using, with_check AS check
         FROM pg_policies WHERE schemaname = $1 AND tablename = $2`,
      [schema, name],
    );
    const grants = await query<{ grantee: string; privilege: string }>(
      `SELECT COALESCE(r.rolname, '-') AS grantee, a.privilege_type AS privilege
         FROM pg_class c, aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.oid = $1::regclass AND a.grantee <> c.relowner`,
      [table],
    );

    await queryRunner.query(`ALTER TABLE ${table} RENAME TO ${name}${SUFFIX}`);
    await queryRunner.query(
      `CREATE TABLE ${table} (LIKE ${old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS INCLUDING STORAGE INCLUDING COMPRESSION)
       PARTITION BY RANGE (load_date)`,
    );
    // A partition for every month that holds rows, and for this month and the next (the loader keeps them ahead from then on).
    const months = await query<{ month: Date }>(`SELECT DISTINCT date_trunc('month', load_date, 'UTC') AS month FROM ${old}`);
    const now = monthOf(Date.now());
    const wanted = new Map([...months.map((row) => monthOf(row.month)), now, nextMonth(now)].map((month) => [month.getTime(), month]));
    for (const month of wanted.values()) await queryRunner.query(createPartitionStatement(table, month));
    await queryRunner.query(`INSERT INTO ${table} SELECT * FROM ${old}`);
    await queryRunner.query(`DROP TABLE ${old}`);

    // Indexes after the copy (faster), under their old names, now free.
    for (const constraint of constraints.filter((c) => c.type === 'p' || c.type === 'u')) {
      const columns = constraint.columns.includes('load_date') ? constraint.columns : [...constraint.columns, 'load_date'];
      const kind = constraint.type === 'p' ? 'PRIMARY KEY' : 'UNIQUE';
      await queryRunner.query(`ALTER TABLE ${table} ADD CONSTRAINT ${quote(constraint.name)} ${kind} (${columns.map(quote).join(', ')})`);
    }
    const constraintIndexes = new Set(constraints.filter((c) => c.type !== 'f').map((c) => c.name));
    for (const index of indexes) {
      const indexName = /^CREATE (?:UNIQUE )?INDEX (\S+) ON/.exec(index.definition)?.[1] ?? '';
      if (index.primary || constraintIndexes.has(indexName.replace(/"/g, ''))) continue;
      // Read before the rename, so it names the table itself: on a partitioned table it builds one index per partition.
      await queryRunner.query(index.definition);
    }
    for (const constraint of constraints.filter((c) => c.type === 'f')) {
      await queryRunner.query(`ALTER TABLE ${table} ADD CONSTRAINT ${quote(constraint.name)} ${constraint.definition}`);
    }

    if (security?.enabled) await queryRunner.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
    if (security?.forced) await queryRunner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    for (const policy of policies) {
      const roles = policy.roles.map((role) => (role === 'public' ? 'PUBLIC' : quote(role))).join(', ');
      await queryRunner.query(
        `CREATE POLICY ${quote(policy.name)} ON ${table} AS ${policy.permissive} FOR ${policy.command} TO ${roles}` +
          `${policy.using ? ` USING (${policy.using})` : ''}${policy.check ? ` WITH CHECK (${policy.check})` : ''}`,
      );
    }
    for (const { grantee, privilege } of grants) await queryRunner.query(`GRANT ${privilege} ON ${table} TO ${roleName(grantee)}`);
    await queryRunner.query(`ANALYZE ${table}`);
  }

  async down(): Promise<void> {
    throw new Error('PartitionedVault cannot be undone in place: restore the database from before it');
  }
}
