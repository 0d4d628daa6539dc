import type { TrackingEvent } from '@tracking/contracts';
import type { SiteConfigSource } from '@tracking/customers';
import { selectForExport } from './export-selection';

const SITES: SiteConfigSource = {
  sites: { declared: [{ id: 'shop', name: null, domains: ['shop.example'], settings: {} }], discovery: 'auto' },
  tracking: { apiTokens: [{ id: 'tok_server', siteId: 'shop' }], publishableKeys: [] },
};
const target = { sites: SITES, splitBySite: false };

function record(fields: Partial<TrackingEvent>): TrackingEvent {
  return { event_id: 'e', event_type: 'page_view', page_url: null, key_id: null, site_id: null, ...fields } as TrackingEvent;
}

describe(selectForExport.name, () => {
  it('keeps every record when include_event_types is not set, and leaves out other types (compared exactly) when it is', () => {
    const signup = record({ event_type: 'signup' });
    expect(selectForExport(target, record({}))).toBeDefined();
    expect(selectForExport(target, signup)).toBeDefined();
    const sut = { ...target, includeEventTypes: new Set(['signup']) };
    expect(selectForExport(sut, record({}))).toBeUndefined();
    expect(selectForExport(sut, signup)?.event.event_type).toBe('signup');
    expect(selectForExport({ ...target, includeEventTypes: new Set(['Signup']) }, signup)).toBeUndefined();
  });

  it("writes the record's own site_id, and derives it as the gateway does for a record older than the field", () => {
    const own = record({ site_id: 'blog', page_url: 'https://www.shop.example/' });
    expect(selectForExport(target, own)?.event).toBe(own);
    expect(selectForExport(target, record({ page_url: 'https://www.shop.example/cart' }))?.event.site_id).toBe('shop');
    expect(selectForExport(target, record({ page_url: 'https://Other.Example/' }))?.event.site_id).toBe('other.example');
    expect(selectForExport(target, record({ key_id: 'tok_server' }))?.event.site_id).toBe('shop');
    expect(selectForExport(target, record({}))?.event.site_id).toBeNull();
  });

  it('gives the site folder only when the customer splits by site, _none for a record without a site', () => {
    expect(selectForExport(target, record({ page_url: 'https://shop.example/' }))?.site).toBeUndefined();
    const split = { ...target, splitBySite: true };
    expect(selectForExport(split, record({ page_url: 'https://shop.example/' }))?.site).toBe('shop');
    expect(selectForExport(split, record({ page_url: 'https://blog.example/' }))?.site).toBe('blog.example');
    expect(selectForExport(split, record({}))?.site).toBe('_none');
  });
});
