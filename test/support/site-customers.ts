import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface SitesCustomer {
  id: string;
  token: string;
  /** A token (id `bound`) whose events belong to the site the writer was given, whatever their page. */
  boundToken: string;
  publishableKey: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A customer with declared sites, written into a customer directory (the gateway's or a consumer's
 * CUSTOMERS_DIR, or applied to the shared topic): API tokens `server` (no site) and `bound` (site
 * `boundSite`), one publishable key without a site, the given allowed origins.
 */
export function writeSitesCustomer(dir: string, discovery: 'auto' | 'restricted', sites: Array<Record<string, unknown>>, boundSite: string, origins: string[]): SitesCustomer {
  const id = `it_sites_${randomBytes(5).toString('hex')}`;
  const token = `ovt_test_${randomBytes(16).toString('hex')}`;
  const boundToken = `ovt_test_${randomBytes(16).toString('hex')}`;
  const publishableKey = `pk_test_${randomBytes(10).toString('hex')}`;
  mkdirSync(join(dir, id), { recursive: true });
  writeFileSync(
    join(dir, id, 'config.yaml'),
    stringify({
      customer: { id, name: `Sites test customer ${id}` },
      technical: { api_rate_limit: 100_000 },
      sites,
      site_discovery: discovery,
      tracking: {
        api_tokens: [
          { id: 'server', sha256: sha256(token) },
          { id: 'bound', sha256: sha256(boundToken), site_id: boundSite },
        ],
        publishable_keys: [{ key: publishableKey }],
        allowed_origins: origins,
      },
    }),
  );
  writeFileSync(join(dir, id, 'features.yaml'), stringify({ features: { site_tracking: true } }));
  return { id, token, boundToken, publishableKey };
}

