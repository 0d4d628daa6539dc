import { VAULT_TABLES } from '@tracking/vault-schema';
import { stagingType } from './copy-binary';
import { STAGING_GROUPS, loadStatement, stagingTableId } from './vault-statements';

/** The hot load path's SQL, generated from the table declarations; a change to it shows in review. */
describe(loadStatement.name, () => {
  it.each(VAULT_TABLES.map((spec) => [spec.table, spec] as const))('generates the load statement of %s', (_, spec) => {
    expect(loadStatement(spec)).toMatchSnapshot();
  });
});

describe('STAGING_GROUPS', () => {
  it('puts every vault table in exactly one group, whose column types are its own', () => {
    const members = STAGING_GROUPS.flatMap((group) => group.members);
    expect(new Set(members.map((spec) => spec.table))).toEqual(new Set(VAULT_TABLES.map((spec) => spec.table)));
    expect(members).toHaveLength(VAULT_TABLES.length);
    for (const group of STAGING_GROUPS) {
      for (const spec of group.members) expect(spec.columns.map((column) => stagingType(column.type))).toEqual(group.types);
    }
  });

  it('copies all hubs in one COPY and all links in another, each table numbered apart', () => {
    for (const kind of ['hub', 'link'] as const) {
      const groups = new Set(VAULT_TABLES.filter((spec) => spec.kind === kind).map((spec) => STAGING_GROUPS.find((group) => group.members.includes(spec))));
      expect(groups.size).toBe(1);
    }
    expect(new Set(VAULT_TABLES.map(stagingTableId)).size).toBe(VAULT_TABLES.length);
  });
});
