import { createHash } from 'node:crypto';
import type { CustomerConfig } from '@tracking/customers';
import type { TrackingScript } from '../../tracking-script/tracking-script.store';

/** What a customer needs for the site snippet: public by design (publishable keys, origins, the script's address). */
export interface BrowserSetup {
  /** Publishable keys declared in config.yaml (keys made through the API carry their own, in the key list). */
  publishable_keys: string[];
  /** Origins the browser path accepts; a page elsewhere is refused whatever key it uses. */
  allowed_origins: string[];
  /** This gateway's pinned release of the browser script, or null while the SDK is not built. */
  script: { url: string; integrity: string } | null;
}

const integrities = new WeakMap<Buffer, string>();

/** Subresource Integrity of the bundle, computed once per loaded bundle (the same hash the SDK's README pins). */
function integrityOf(body: Buffer): string {
  let known = integrities.get(body);
  if (!known) {
    known = `sha384-${createHash('sha384').update(body).digest('base64')}`;
    integrities.set(body, known);
  }
  return known;
}

export function browserSetup(customer: CustomerConfig, script: TrackingScript | undefined): BrowserSetup {
  return {
    publishable_keys: customer.tracking.publishableKeys.map((entry) => entry.key),
    allowed_origins: [...customer.tracking.allowedOrigins],
    script: script ? { url: `/js/v${script.version}/tracking.min.js`, integrity: integrityOf(script.body) } : null,
  };
}
