import { Pool } from 'pg';
import { TENANT_SETTING, VAULT_BASE_TABLES, VAULT_ROLES, VAULT_SCHEMAS, VAULT_VIEWS, type ColumnType, type Relation } from '@tracking/vault-schema';
import { testEnvironment } from '@test/support/test-environment';

type RelationType = 'BASE TABLE' | 'VIEW';

/** A table or view as information_schema describes it: its kind and each column's data type. */
interface Shape {
  type: RelationType;
  columns: Record<string, string>;
}

/** information_schema's data_type of each declared type; the others are spelled alike. */
const DATA_TYPE: Partial<Record<ColumnType, string>> = { timestamptz: 'timestamp with time zone' };

function declaredShapes(): Record<string, Shape> {
  const shape = (type: RelationType) => (spec: Relation): [string, Shape] => [
    spec.table,
    { type, columns: Object.fromEntries(spec.columns.map((column) => [column.name, DATA_TYPE[column.type] ?? column.type])) },
  ];
  return Object.fromEntries([...VAULT_BASE_TABLES.map(shape('BASE TABLE')), ...VAULT_VIEWS.map(shape('VIEW'))]);
}

async function migratedShapes(db: Pool): Promise<Record<string, Shape>> {
  const { rows } = await db.query<{ name: string; type: RelationType; column_name: string; data_type: string }>(
    `SELECT t.table_schema || '.' || t.table_name AS name, t.table_type AS type, c.column_name, c.data_type
       FROM information_schema.tables t
       JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name
      WHERE t.table_schema = ANY($1)
        -- A partition (migration PartitionedVault) is part of its table, not a relation of the vault's own.
        AND NOT (quote_ident(t.table_schema) || '.' || quote_ident(t.table_name))::regclass IN (SELECT inhrelid FROM pg_inherits)`,
    [VAULT_SCHEMAS],
  );
  const shapes: Record<string, Shape> = {};
  for (const row of rows) (shapes[row.name] ??= { type: row.type, columns: {} }).columns[row.column_name] = row.data_type;
  return shapes;
}

/**
 * libs/vault-schema is what the loader's SQL, the gateway's reporting, the bench and the tests
 * name the vault by; the loader's migrations are what creates it. After the migrations, the two
 * must describe the same tables, views, columns and types, so a migration that renames, adds or
 * drops one fails here rather than in a query at run time.
 */
describe('libs/vault-schema against the migrated vault', () => {
  const env = testEnvironment();
  let db: Pool;

  beforeAll(() => {
    db = new Pool({ connectionString: env.databaseUrl });
  });

  afterAll(async () => {
    await db?.end();
  });

  it("declares every table and view of the vault's schemas, with exactly their columns and types", async () => {
    expect(await migratedShapes(db)).toEqual(declaredShapes());
  });

  it('names the roles and the tenant setting that row-level security is keyed on', async () => {
    const roles = await db.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname', [Object.values(VAULT_ROLES)]);
    expect(roles.rows.map((row) => row.rolname)).toEqual(Object.values(VAULT_ROLES).sort());
    const tenantFunction = await db.query<{ source: string }>(`SELECT pg_get_functiondef('vault_security.current_tenant_hk()'::regprocedure) AS source`);
    expect(tenantFunction.rows[0]?.source).toContain(`current_setting('${TENANT_SETTING}'`);
  });
});
