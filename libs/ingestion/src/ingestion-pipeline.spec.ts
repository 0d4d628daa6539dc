import { parseCustomerConfig, type CustomerConfig } from '@tracking/customers';
import { DEFAULT_INGESTION_LIMITS } from './ingestion-limits';
import { IngestionPipeline, type IngestionOutcome, type RequestFacts } from './ingestion-pipeline';

const NOW = Date.parse('2024-12-28T10:30:00Z');
const KEY = Buffer.from('pipeline-spec-hash-key-0123456789abcdef');

function customer(privacy: Record<string, unknown> = {}, compliance: Record<string, unknown> = {}): CustomerConfig {
  return parseCustomerConfig('acme', { customer: { id: 'acme', name: 'Acme' }, privacy, compliance }, {});
}

const facts: RequestFacts = {
  receivedAt: NOW,
  clientIp: '203.0.113.77',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Safari/537.36',
  doNotTrack: false,
  source: 'api',
  batchId: null,
  keyId: 'dev',
};

function accepted(outcome: IngestionOutcome) {
  if (outcome.status !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe(IngestionPipeline.name, () => {
  const sut = new IngestionPipeline(DEFAULT_INGESTION_LIMITS, KEY);

  describe('sites', () => {
    const withSites = (discovery: 'auto' | 'restricted') =>
      parseCustomerConfig(
        'acme',
        {
          customer: { id: 'acme', name: 'Acme' },
          sites: [{ id: 'shop', domains: ['shop.example'] }],
          site_discovery: discovery,
          tracking: { api_tokens: [{ id: 'shop-server', sha256: 'c'.repeat(64), site_id: 'shop' }] },
        },
        {},
      );

    it('writes the site into every event: declared, discovered, the key\'s, or none without a page', () => {
      const site = (body: Record<string, unknown>, keyId = 'dev') => accepted(sut.process({ event_type: 'x', ...body }, withSites('auto'), { ...facts, keyId })).event.site_id;
      expect(site({ page_url: 'https://www.shop.example/a' })).toBe('shop');
      expect(site({ page_url: 'https://Blog.Other.example/a?token=1' })).toBe('blog.other.example');
      expect(site({})).toBeNull();
      expect(site({}, 'shop-server')).toBe('shop');
    });

    it('refuses a page on an undeclared host when the customer restricts discovery, naming the host', () => {
      const outcome = sut.process({ event_type: 'x', page_url: 'https://www.other.example/' }, withSites('restricted'), { ...facts, keyId: 'shop-server' }, 'events[3].');
      expect(outcome).toEqual({
        status: 'rejected',
        errors: [{ field: 'events[3].page_url', reason: expect.stringContaining('host "other.example" is not a declared site of customer "acme"') }],
        refusal: { kind: 'undeclared_site', host: 'other.example' },
      });
      expect(accepted(sut.process({ event_type: 'x', page_url: 'https://shop.example/' }, withSites('restricted'), facts)).event.site_id).toBe('shop');
      expect(accepted(sut.process({ event_type: 'x' }, withSites('restricted'), facts)).event.site_id).toBeNull();
    });
  });

  describe('privacy rules', () => {
    it('truncates the address by default and hashes it when the customer asks', () => {
      expect(accepted(sut.process({ event_type: 'x' }, customer(), facts)).event.ip_address).toBe('203.0.113.0/24');
      expect(accepted(sut.process({ event_type: 'x' }, customer({ ip_address_hashing: true }), facts)).event.ip_address).toMatch(/^hmac:/);
    });

    it('redacts token, secret and password query parameters and the customer\'s own from URLs and referrers', () => {
      const { event } = accepted(
        sut.process(
          {
            event_type: 'page_view',
            page_url: 'https://a.example/reset?password=hunter2&utm_source=mail&member_id=42&access_token=abc',
            referrer: 'https://b.example/?client_secret=s3',
          },
          customer({ redact_query_parameters: ['member_id'] }),
          facts,
        ),
      );
      expect(event.page_url).toBe('https://a.example/reset?password=REDACTED&utm_source=mail&member_id=REDACTED&access_token=REDACTED');
      expect(event.referrer).toBe('https://b.example/?client_secret=REDACTED');
      expect(event.utm_source).toBe('mail');
    });

    it('finds e-mail addresses, Luhn-valid card numbers, SSNs and phone numbers in event data', () => {
      const { event, pii } = accepted(
        sut.process(
          {
            event_type: 'form_submit',
            event_data: {
              note: 'reach me at jane.doe@example.com or +1 415-555-0100',
              card: '4111 1111 1111 1111',
              not_a_card: '4111 1111 1111 1112',
              ssn: '123-45-6789',
              nested: [{ password: 'hunter2', article_author: 'Sarah Johnson' }],
            },
          },
          customer(),
          facts,
        ),
      );
      const data = JSON.parse(event.event_data);
      expect(data.note).toBe('reach me at [email] or [phone]');
      expect(data.card).toBe('[card]');
      expect(data.not_a_card).toBe('4111 1111 1111 1112');
      expect(data.ssn).toBe('[ssn]');
      expect(data.nested[0]).toEqual({ password: 'REDACTED', article_author: 'Sarah Johnson' });
      expect(pii).toEqual({ email: 1, phone: 1, card: 1, ssn: 1, sensitive_key: 1 });
    });

    it('hashes PII instead when the customer asks, so equal values still match', () => {
      const run = () =>
        JSON.parse(accepted(sut.process({ event_type: 'x', event_data: { e: 'a@b.co' } }, customer({ pii_action: 'hash' }), facts)).event.event_data);
      expect(run().e).toMatch(/^\[email:[0-9a-f]{16}\]$/);
      expect(run().e).toBe(run().e);
    });

    it('truncates the user agent to products and major versions when asked', () => {
      const { event } = accepted(sut.process({ event_type: 'x' }, customer({ user_agent_truncation: true }), facts));
      expect(event.user_agent).toBe('Mozilla/5 AppleWebKit/537 Chrome/120 Safari/537');
    });

    it('gives HIPAA customers the strictest defaults', () => {
      const hipaa = customer({}, { hipaa_required: true });
      expect(hipaa.privacy).toMatchObject({ ipAddressHashing: true, userAgentTruncation: true, consentRequired: true, honorDoNotTrack: true });
      expect(customer({ pii_detection: 'disabled' }, { hipaa_required: true }).privacy.piiDetection).toBe('enabled');
    });
  });

  describe('consent and Do Not Track', () => {
    it('drops non-essential events when consent is denied, and lets essential ones through', () => {
      expect(sut.process({ event_type: 'page_view', consent_state: 'denied' }, customer(), facts)).toEqual({
        status: 'dropped',
        reason: 'consent_denied',
        eventType: 'page_view',
      });
      expect(sut.process({ event_type: 'consent_update', consent_state: 'denied' }, customer(), facts).status).toBe('accepted');
    });

    it('drops pending consent only when the customer requires consent', () => {
      expect(sut.process({ event_type: 'x', consent_state: 'pending' }, customer({ consent_required: true }), facts).status).toBe('dropped');
      expect(sut.process({ event_type: 'x', consent_state: 'pending' }, customer({ consent_required: false }), facts).status).toBe('accepted');
    });

    it('honours DNT unless the customer turned that off', () => {
      const dnt = { ...facts, doNotTrack: true };
      expect(sut.process({ event_type: 'x' }, customer(), dnt).status).toBe('dropped');
      expect(sut.process({ event_type: 'x' }, customer({ honor_do_not_track: false }), dnt).status).toBe('accepted');
    });

    describe('when server events need consent (privacy.server_events_consent)', () => {
      const strict = customer({ server_events_consent: 'require' });

      it.each(['api', 'bulk', 'async', 'backfill'] as const)('drops a %s event without consent_state granted, and keeps one with it', (source) => {
        const server = { ...facts, source };
        expect(sut.process({ event_type: 'x' }, strict, server)).toEqual({ status: 'dropped', reason: 'consent_missing', eventType: 'x' });
        expect(sut.process({ event_type: 'x', consent_state: 'pending' }, strict, server)).toMatchObject({ status: 'dropped', reason: 'consent_pending' });
        expect(sut.process({ event_type: 'x', consent_state: 'granted' }, strict, server).status).toBe('accepted');
        expect(sut.process({ event_type: 'consent_update' }, strict, server).status).toBe('accepted');
      });

      it('leaves browser events to the banner rules, and assumes consent by default', () => {
        expect(sut.process({ event_type: 'x' }, strict, { ...facts, source: 'browser' }).status).toBe('accepted');
        expect(sut.process({ event_type: 'x' }, customer(), facts).status).toBe('accepted');
        expect(customer().privacy.serverEventsConsent).toBe('assume_granted');
        expect(customer({}, { hipaa_required: true }).privacy.serverEventsConsent).toBe('require');
      });
    });
  });

  describe('geographic restrictions', () => {
    const restricted = customer({ geographic_restrictions: ['EU', 'us'] });

    it('keeps events from an allowed country and drops those from another or from none', () => {
      expect(restricted.privacy.allowedCountries).toEqual(expect.arrayContaining(['DE', 'FR', 'US']));
      expect(sut.process({ event_type: 'x' }, restricted, { ...facts, country: 'DE' }).status).toBe('accepted');
      expect(sut.process({ event_type: 'x' }, restricted, { ...facts, country: 'US' }).status).toBe('accepted');
      for (const country of ['GB', 'CN', null, undefined]) {
        expect(sut.process({ event_type: 'consent_update' }, restricted, { ...facts, country })).toMatchObject({ status: 'dropped', reason: 'outside_geographic_restrictions' });
      }
      expect(sut.process({ event_type: 'x' }, customer(), { ...facts, country: null }).status).toBe('accepted');
    });
  });

  it('rejects invalid events with field errors under the given prefix', () => {
    expect(sut.process({ page_url: 'x' }, customer(), facts, 'events[3].')).toEqual({
      status: 'rejected',
      errors: [
        { field: 'events[3].event_type', reason: 'is required' },
        { field: 'events[3].page_url', reason: 'must be an absolute URL' },
      ],
    });
  });

  it('flags automation user agents', () => {
    const { event } = accepted(sut.process({ event_type: 'x' }, customer(), { ...facts, userAgent: 'python-requests/2.31' }));
    expect(event).toMatchObject({ suspicious: true, security_score: 50 });
  });
});
