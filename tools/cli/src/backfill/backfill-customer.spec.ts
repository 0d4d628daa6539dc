import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { CustomerStoreClient } from '@tracking/customer-store';
import { loadBackfillCustomer } from './backfill-customer';

function directoryWith(privacy: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'backfill-customer-'));
  mkdirSync(join(dir, 'acme'));
  writeFileSync(join(dir, 'acme', 'config.yaml'), stringify({ customer: { id: 'acme', name: 'Acme' }, privacy }));
  writeFileSync(join(dir, 'acme', 'features.yaml'), stringify({ features: { site_tracking: true } }));
  return dir;
}

const noStore = (): CustomerStoreClient => {
  throw new Error('the topic is not read when a directory is given');
};

describe(loadBackfillCustomer.name, () => {
  it('loads a customer without geographic restrictions', async () => {
    await expect(loadBackfillCustomer(directoryWith({}), 'acme', noStore)).resolves.toMatchObject({ customerId: 'acme' });
  });

  it('refuses a customer with geographic restrictions: a log line carries no trusted country (issue 20 item 4)', async () => {
    await expect(loadBackfillCustomer(directoryWith({ geographic_restrictions: ['EU'] }), 'acme', noStore)).rejects.toThrow(
      'customer acme has privacy.geographic_restrictions (EU): a backfill knows no trusted country for its events, so it cannot keep them',
    );
  });
});
