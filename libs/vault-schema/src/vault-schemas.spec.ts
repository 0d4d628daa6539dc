import { col, relation } from './relation';
import { VAULT_BASE_TABLES, VAULT_SCHEMAS, VAULT_VIEWS } from './vault-schemas';
import { VAULT_TABLES } from './vault-tables';

const schemaOf = (table: string): string => table.split('.')[0] ?? '';

describe('the vault schema declarations', () => {
  describe(relation.name, () => {
    it('names each column under its own name', () => {
      const sut = relation('raw.t', [col('tenant_hk', 'bytea'), col('event_id', 'text')]);
      expect(sut.column).toEqual({ tenant_hk: 'tenant_hk', event_id: 'event_id' });
    });
  });

  it('declares each table and view once, schema-qualified, in a vault schema', () => {
    const names = [...VAULT_BASE_TABLES, ...VAULT_VIEWS].map((spec) => spec.table);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((name) => !(VAULT_SCHEMAS as readonly string[]).includes(schemaOf(name)))).toEqual([]);
  });

  it('gives every loaded table the load metadata (tenant, load date, record source)', () => {
    const missing = VAULT_TABLES.flatMap((spec) =>
      ['tenant_hk', 'load_date', 'record_source'].filter((name) => !spec.columns.some((column) => column.name === name)).map((name) => `${spec.table}.${name}`),
    );
    expect(missing).toEqual([]);
  });
});
