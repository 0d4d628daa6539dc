import { VAULT_TABLES } from '@tracking/vault-schema';
import { loadStatement } from './vault-statements';

/** The hot load path's SQL, generated from the table declarations; a change to it shows in review. */
describe(loadStatement.name, () => {
  it.each(VAULT_TABLES.map((spec) => [spec.table, spec] as const))('generates the load statement of %s', (_, spec) => {
    expect(loadStatement(spec)).toMatchSnapshot();
  });
});
