import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { repositoryRoot } from '@tracking/services';

export interface TestCustomer {
  id: string;
  token: string;
  publishableKey: string;
  origin: string;
}

export interface TestCustomerOptions {
  apiRateLimit?: number;
  privacy?: Record<string, unknown>;
  compliance?: Record<string, unknown>;
  features?: Record<string, boolean>;
  flags?: Record<string, boolean>;
}

/** A customers directory of its own: the example customers plus any the test adds. */
export function customersDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'it-customers-'));
  cpSync(join(repositoryRoot(), 'example-customers', 'configurations'), dir, { recursive: true });
  return dir;
}

/** Writes a customer with a fresh id and token (unique ids keep Redis counters of runs apart). */
export function writeTestCustomer(dir: string, options: TestCustomerOptions = {}, id = `it_${randomBytes(5).toString('hex')}`): TestCustomer {
  const token = `ovt_test_${randomBytes(16).toString('hex')}`;
  const publishableKey = `pk_test_${randomBytes(10).toString('hex')}`;
  const origin = `https://${id.replace(/_/g, '-')}.example`;
  mkdirSync(join(dir, id), { recursive: true });
  writeFileSync(
    join(dir, id, 'config.yaml'),
    stringify({
      customer: { id, name: `Integration test customer ${id}` },
      technical: { api_rate_limit: options.apiRateLimit ?? 100_000 },
      compliance: options.compliance ?? {},
      privacy: options.privacy ?? {},
      tracking: {
        api_tokens: [{ id: 'test', sha256: createHash('sha256').update(token).digest('hex') }],
        publishable_keys: [{ key: publishableKey }],
        allowed_origins: [origin],
      },
    }),
  );
  writeFileSync(join(dir, id, 'features.yaml'), stringify({ features: { site_tracking: true, ...options.features }, flags: options.flags ?? {} }));
  return { id, token, publishableKey, origin };
}
