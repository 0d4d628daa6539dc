import { parseCustomerConfig } from '@tracking/customers';
import type { TrackingEvent } from '@tracking/contracts';
import { customerSites } from './site-catalog';

const config = parseCustomerConfig(
  'acme',
  {
    customer: { id: 'acme', name: 'Acme' },
    sites: [{ id: 'shop', name: 'Shop', domains: ['shop.acme.example'], settings: { currency: 'EUR' } }, { id: 'blog', domains: ['blog.acme.example'] }],
    tracking: {
      api_tokens: [{ id: 'server', sha256: 'a'.repeat(64), description: 'backend', site_id: 'blog' }],
      publishable_keys: [{ key: 'pk_live_0123456789abcdef', site_id: 'shop' }],
    },
  },
  {},
);
const APPLIED_AT = Date.parse('2026-12-01T00:00:00Z');
const event = (fields: Partial<TrackingEvent>): TrackingEvent => ({ page_url: null, key_id: null, site_id: null, ...fields }) as TrackingEvent;

describe(customerSites.name, () => {
  const sut = customerSites(config, APPLIED_AT);

  it("derives a record's site as the gateway does: its own, the key's, the declared domain's, else the host", () => {
    expect(sut.siteOf(event({ site_id: 'blog', page_url: 'https://shop.acme.example/' }))).toBe('blog');
    expect(sut.siteOf(event({ key_id: 'server', page_url: 'https://shop.acme.example/' }))).toBe('blog');
    expect(sut.siteOf(event({ page_url: 'https://www.shop.acme.example/a' }))).toBe('shop');
    expect(sut.siteOf(event({ page_url: 'https://Elsewhere.example/x' }))).toBe('elsewhere.example');
    expect(sut.siteOf(event({}))).toBeNull();
  });

  it('describes declared sites and configured keys with when the configuration was applied, never a secret', () => {
    expect(sut.site('shop')).toEqual({ appliedAt: APPLIED_AT, details: { site_name: 'Shop', domains: ['shop.acme.example'], settings: { currency: 'EUR' } } });
    expect(sut.site('elsewhere.example')).toBeUndefined();
    expect(sut.key('server')).toEqual({ appliedAt: APPLIED_AT, details: { key_kind: 'api_token', description: 'backend', site_id: 'blog' } });
    expect(sut.key('pk_live_0123456789abcdef')?.details).toEqual({ key_kind: 'publishable_key', description: null, site_id: 'shop' });
    expect(JSON.stringify(sut.key('server'))).not.toContain('a'.repeat(64));
  });
});
