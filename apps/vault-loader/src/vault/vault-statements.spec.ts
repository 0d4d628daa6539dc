import { loadStatement } from './vault-statements';
import { VAULT_TABLES } from './vault-tables';

/** The hot load path's SQL, generated from the table declarations; a change to it shows in review. */
describe(loadStatement.name, () => {
  it.each(VAULT_TABLES.map((spec) => [spec.table, spec] as const))('generates the load statement of %s', (_, spec) => {
    expect(loadStatement(spec)).toMatchSnapshot();
  });
});
