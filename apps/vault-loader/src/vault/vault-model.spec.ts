import { GHOST_HASH_KEY, TOPICS, businessItemKey, hashKey, pageBusinessKey, tenantHashKey, type TrackingEvent } from '@tracking/contracts';
import { HUBS, LINKS, QUALITY_LOG, RAW_EVENTS, SATELLITES, STAGED_EVENTS, type TableSpec } from '@tracking/vault-schema';
import { assessQuality } from './quality-checks';
import type { CustomerSites } from './site-model';
import { BatchHashes, VaultRows, hashDiff, mapTrackingEvent, type Row } from './vault-model';

const base: TrackingEvent = {
  event_id: 'evt_1',
  customer_id: 'one_spa',
  event_type: 'page_view',
  event_name: 'Massage therapy',
  page_url: 'https://OneSpa.com/services/massage-therapy/?utm_source=x',
  referrer: null,
  occurred_at: Date.parse('2024-12-28T10:30:00Z'),
  received_at: Date.parse('2024-12-28T10:30:01Z'),
  sent_at: null,
  session_id: 'sess_1',
  visitor_id: 'visitor_1',
  user_id: null,
  location_id: 'spa_downtown_location',
  consent_state: 'granted',
  ip_address: '203.0.113.0/24',
  user_agent: 'Mozilla/5.0',
  event_data: '{"product_id":"skincare_001"}',
  utm_source: 'x',
  utm_medium: null,
  utm_campaign: null,
  utm_term: null,
  utm_content: null,
  batch_id: null,
  source: 'browser',
  referrer_domain: null,
  security_score: 100,
  suspicious: false,
  key_id: null,
  library_name: null,
  library_version: null,
  site_id: null,
};
const position = { topic: 'tracking.events.v1', partition: 2, offset: '17', schemaId: 4 };

const APPLIED_AT = Date.parse('2024-12-01T00:00:00Z');
/** A configuration declaring the site spa_main and the key tok_1 (the derivation itself is libs/customers' siteIdFor, tested there). */
const sites: CustomerSites = {
  siteOf: (event) => (event.page_url ? 'spa_main' : null),
  site: (id) => (id === 'spa_main' ? { appliedAt: APPLIED_AT, details: { site_name: 'One Spa', domains: ['onespa.com'], settings: { currency: 'EUR' } } } : undefined),
  key: (id) => (id === 'tok_1' ? { appliedAt: APPLIED_AT, details: { key_kind: 'api_token', description: 'server', site_id: null } } : undefined),
};

function mapAll(events: TrackingEvent[]): (spec: TableSpec) => Row[] {
  const rows = new VaultRows();
  for (const event of events) mapTrackingEvent(event, position, rows, sites);
  return (spec) => rows.byTable.get(spec.table)?.rows ?? [];
}
const map = (event: TrackingEvent): ((spec: TableSpec) => Row[]) => mapAll([event]);

describe(mapTrackingEvent.name, () => {
  it('derives every hash key from the tenant and the business key, and metadata from the record', () => {
    const rows = map(base);
    const [hub] = rows(HUBS.event);
    expect(hub).toEqual({
      event_hk: hashKey('one_spa', 'evt_1'),
      event_bk: 'evt_1',
      tenant_hk: tenantHashKey('one_spa'),
      load_date: new Date(base.received_at),
      record_source: 'tracking.events.v1/2',
    });
    expect(rows(HUBS.page)[0]).toMatchObject({ page_bk: 'onespa.com/services/massage-therapy', page_hk: hashKey('one_spa', 'onespa.com/services/massage-therapy') });
    expect(rows(HUBS.item)[0]).toMatchObject({ business_item_bk: 'PRODUCT:skincare_001' });
    expect(rows(LINKS.eventSession)[0]).toMatchObject({ event_hk: hashKey('one_spa', 'evt_1'), session_hk: hashKey('one_spa', 'sess_1') });
    expect(rows(RAW_EVENTS)[0]).toMatchObject({ kafka_partition: 2, kafka_offset: '17', schema_id: 4, processing_status: 'PROCESSED' });
  });

  it('links an event without session, visitor or page to the ghost records instead of dropping the links', () => {
    const rows = map({ ...base, event_type: 'feature_usage', session_id: null, visitor_id: null, page_url: null });
    expect(rows(HUBS.session)).toEqual([]);
    expect(rows(LINKS.eventSession)[0]?.['session_hk']).toBe(GHOST_HASH_KEY);
    expect(rows(LINKS.eventVisitor)[0]?.['visitor_hk']).toBe(GHOST_HASH_KEY);
    expect(rows(LINKS.eventPage)[0]?.['page_hk']).toBe(GHOST_HASH_KEY);
    expect(rows(LINKS.sessionVisitor)).toEqual([]);
  });

  it('gives equal details the same hash diff and changed details another', () => {
    const first = map(base)(SATELLITES.session)[0];
    const same = map({ ...base, event_id: 'evt_2', received_at: base.received_at + 1000 })(SATELLITES.session)[0];
    const changed = map({ ...base, event_id: 'evt_3', consent_state: 'denied' })(SATELLITES.session)[0];
    expect(same?.['hash_diff']).toEqual(first?.['hash_diff']);
    expect(changed?.['hash_diff']).not.toEqual(first?.['hash_diff']);
  });

  it('keeps an invalid event in raw and staging only, marked as failed', () => {
    const rows = map({ ...base, page_url: null });
    expect(rows(RAW_EVENTS)[0]?.['processing_status']).toBe('FAILED');
    expect(rows(STAGED_EVENTS)[0]).toMatchObject({ validation_status: 'INVALID' });
    expect(rows(QUALITY_LOG).map((row) => row['check_name'])).toContain('page_view_without_url');
    expect(rows(HUBS.event)).toEqual([]);
  });

  it("gives the event its site and links its session, page and key to it, every hash key from the tenant and the business key", () => {
    const rows = map({ ...base, key_id: 'tok_1' });
    const siteHk = hashKey('one_spa', 'spa_main');
    const keyHk = hashKey('one_spa', 'tok_1');
    expect(rows(STAGED_EVENTS)[0]).toMatchObject({ site_id: 'spa_main' });
    expect(rows(HUBS.site)).toEqual([{ site_hk: siteHk, site_bk: 'spa_main', tenant_hk: tenantHashKey('one_spa'), load_date: new Date(base.received_at), record_source: 'tracking.events.v1/2' }]);
    expect(rows(HUBS.apiKey)[0]).toMatchObject({ api_key_hk: keyHk, api_key_bk: 'tok_1' });
    expect(rows(LINKS.sessionSite)[0]).toMatchObject({ session_site_hk: hashKey('one_spa', 'sess_1', 'spa_main'), session_hk: hashKey('one_spa', 'sess_1'), site_hk: siteHk });
    const page = 'onespa.com/services/massage-therapy';
    expect(rows(LINKS.pageSite)[0]).toMatchObject({ page_site_hk: hashKey('one_spa', page, 'spa_main'), page_hk: hashKey('one_spa', page), site_hk: siteHk });
    expect(rows(LINKS.siteApiKey)[0]).toMatchObject({ site_api_key_hk: hashKey('one_spa', 'spa_main', 'tok_1'), site_hk: siteHk, api_key_hk: keyHk });
    expect(rows(LINKS.eventSite)[0]).toMatchObject({ event_site_hk: hashKey('one_spa', 'evt_1', 'spa_main'), event_hk: hashKey('one_spa', 'evt_1'), site_hk: siteHk });
  });

  it('describes a declared site and key from the configuration: its load date is when that was applied, once per batch', () => {
    const rows = mapAll([{ ...base, key_id: 'tok_1' }, { ...base, event_id: 'evt_2', key_id: 'tok_1', received_at: base.received_at + 5000 }]);
    expect(rows(SATELLITES.site)).toEqual([
      expect.objectContaining({ site_hk: hashKey('one_spa', 'spa_main'), load_date: new Date(APPLIED_AT), record_source: TOPICS.customers, site_name: 'One Spa', domains: ['onespa.com'] }),
    ]);
    expect(rows(SATELLITES.apiKey)).toEqual([expect.objectContaining({ api_key_hk: hashKey('one_spa', 'tok_1'), load_date: new Date(APPLIED_AT), key_kind: 'api_token', description: 'server' })]);
  });

  it('links a session without a site to the ghost site; no key, no key hub; an undeclared key has a hub but no details', () => {
    const rows = map({ ...base, event_type: 'feature_usage', page_url: null });
    expect(rows(STAGED_EVENTS)[0]).toMatchObject({ site_id: null });
    expect(rows(HUBS.site)).toEqual([]);
    expect(rows(LINKS.sessionSite)[0]?.['site_hk']).toBe(GHOST_HASH_KEY);
    expect(rows(LINKS.eventSite)[0]?.['site_hk']).toBe(GHOST_HASH_KEY);
    expect(rows(LINKS.pageSite)).toEqual([]);
    expect(rows(HUBS.apiKey)).toEqual([]);
    const managed = map({ ...base, key_id: 'key_managed_1' });
    expect(managed(HUBS.apiKey)[0]).toMatchObject({ api_key_bk: 'key_managed_1' });
    expect(managed(SATELLITES.apiKey)).toEqual([]);
  });

  it('describes a page only from page views', () => {
    expect(map(base)(SATELLITES.page)[0]).toMatchObject({ page_host: 'onespa.com', page_path: '/services/massage-therapy/', page_title: 'Massage therapy' });
    expect(map({ ...base, event_type: 'search' })(SATELLITES.page)).toEqual([]);
  });
});

describe(assessQuality.name, () => {
  it('scores a complete browser page view 100 and valid', () => {
    expect(assessQuality(base)).toEqual({ status: 'VALID', score: 100, findings: [] });
  });

  it('deducts for each problem and names it', () => {
    const assessment = assessQuality({ ...base, session_id: null, visitor_id: null, suspicious: true, security_score: 50 });
    expect(assessment.status).toBe('WARNING');
    expect(assessment.score).toBe(65);
    expect(assessment.findings.map((finding) => finding.check)).toEqual(['missing_session', 'missing_visitor', 'suspicious_request']);
  });
});

describe('business keys', () => {
  it('normalise pages to host and path', () => {
    expect(pageBusinessKey('https://WWW.Example.com/a/b/?q=1#x')).toBe('www.example.com/a/b');
    expect(pageBusinessKey('https://example.com')).toBe('example.com/');
    expect(pageBusinessKey(null)).toBeNull();
  });

  it('type business items so equal ids of different kinds stay apart', () => {
    expect(businessItemKey({ product_id: '001' })).toBe('PRODUCT:001');
    expect(businessItemKey({ article_id: '001' })).toBe('ARTICLE:001');
    expect(businessItemKey({ nothing: 1 })).toBeNull();
  });
});

describe(BatchHashes.name, () => {
  it('gives the digests of hashKey and hashDiff, computed once per input', () => {
    const hashes = new BatchHashes();
    const cases: Array<[string, ...Array<string | number | null | undefined>]> = [
      ['one_spa'],
      ['one_spa', 'sess_1'],
      ['one_spa', ' sess_1 '],
      ['one_spa', 'sess_1', null],
      ['one_spa', 'sess_1', ''],
      ['one_spa', null],
      ['one_spa', 'a\u0000b'],
      ['one_spa', 'a', 'b'],
      ['one_spa', 42],
    ];
    for (const [tenant, ...parts] of cases) expect(hashes.key(tenant, ...parts).equals(hashKey(tenant, ...parts))).toBe(true);
    expect(hashes.key('one_spa', 'sess_1')).toBe(hashes.key('one_spa', 'sess_1'));
    expect(hashes.tenant('one_spa').equals(tenantHashKey('one_spa'))).toBe(true);
    expect(hashes.diff(['x', null, 1]).equals(hashDiff(['x', null, 1]))).toBe(true);
  });
});
