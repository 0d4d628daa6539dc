import { CustomerConfigError, parseCustomerConfig } from './customer-config.parser';
import { normaliseHost, pageHostOf, resolveSite, siteIdFor, undeclaredHostOf } from './sites';

const TOKEN_SHA = 'a'.repeat(64);

function customerWith(extra: Record<string, unknown>, tracking: Record<string, unknown> = {}) {
  return parseCustomerConfig('agency', { customer: { id: 'agency', name: 'Agency' }, tracking, ...extra }, {});
}

function problemsOf(extra: Record<string, unknown>, tracking: Record<string, unknown> = {}): readonly string[] {
  try {
    customerWith(extra, tracking);
  } catch (error) {
    if (error instanceof CustomerConfigError) return error.problems;
    throw error;
  }
  return [];
}

const agency = customerWith(
  {
    sites: [
      { id: 'bakery', name: 'The Bakery', domains: ['bakery.example', '*.bakery.example'], settings: { timezone: 'Europe/Paris', currency: 'EUR' } },
      { id: 'bakery-shop', domains: ['shop.bakery.example'] },
      { id: 'florist', domains: ['WWW.Florist.example.'] },
      { id: 'localhost', domains: ['dev.internal.example'] },
    ],
  },
  {
    api_tokens: [
      { id: 'server', sha256: TOKEN_SHA },
      { id: 'florist-server', sha256: 'b'.repeat(64), site_id: 'florist' },
    ],
    publishable_keys: [{ key: 'pk_live_florist_0000000000000000', site_id: 'florist' }],
  },
);

const event = (page_url: string | null, key_id: string | null = 'server', site_id: string | null = null) => ({ page_url, key_id, site_id });

describe('sites configuration', () => {
  it('reads declared sites with normalised domains, names, settings and key sites; discovery defaults to auto', () => {
    expect(agency.sites.discovery).toBe('auto');
    expect(agency.sites.declared[0]).toEqual({
      id: 'bakery',
      name: 'The Bakery',
      domains: ['bakery.example', '*.bakery.example'],
      settings: { timezone: 'Europe/Paris', currency: 'EUR' },
    });
    expect(agency.sites.declared[2]).toMatchObject({ id: 'florist', name: null, domains: ['florist.example'], settings: {} });
    expect(agency.tracking.apiTokens.map((token) => token.siteId)).toEqual([undefined, 'florist']);
    expect(agency.tracking.publishableKeys[0]?.siteId).toBe('florist');
  });

  it('gives a customer without sites none declared and auto discovery', () => {
    expect(customerWith({}).sites).toEqual({ declared: [], discovery: 'auto' });
  });

  it('names every bad field of the sites section', () => {
    expect(
      problemsOf(
        {
          sites: [
            { id: 'Shop.Example', domains: ['shop.example'] },
            { id: 'a', domains: ['https://a.example/', 'a.example:8080', '*.com', 'b.example'] },
            { id: 'a', domains: ['WWW.b.example'], settings: { nested: { no: 1 } } },
            { id: 'c' },
            { id: 'd', domains: [] },
          ],
          site_discovery: 'closed',
        },
        { api_tokens: [{ id: 't', sha256: TOKEN_SHA, site_id: 'nowhere' }] },
      ),
    ).toEqual([
      'agency/config.yaml: sites[0].id must be lower-case letters, digits, "_" or "-" (at most 64, no dots: a dotted id would read like a discovered host), got "Shop.Example"',
      'agency/config.yaml: sites[1].domains[0] must be a host name such as shop.example.com or *.example.com (no scheme, port or path), got "https://a.example/"',
      'agency/config.yaml: sites[1].domains[1] must be a host name such as shop.example.com or *.example.com (no scheme, port or path), got "a.example:8080"',
      'agency/config.yaml: sites[1].domains[2] "*.com" is too broad: a wildcard needs a domain with at least two labels',
      'agency/config.yaml: sites[2].id "a" is declared twice',
      'agency/config.yaml: sites[2].domains[0] "WWW.b.example" is already a domain of site "a"',
      'agency/config.yaml: sites[2].settings.nested must be a string, number or boolean',
      'agency/config.yaml: sites[3].domains is required',
      'agency/config.yaml: sites[4].domains must name at least one domain',
      'agency/config.yaml: site_discovery must be auto or restricted, got "closed"',
      'agency/config.yaml: tracking.api_tokens[0].site_id names no declared site: "nowhere" is not among sites[].id (a, c, d)',
    ]);
  });

  it('refuses restricted discovery without a declared site', () => {
    expect(problemsOf({ site_discovery: 'restricted' })).toEqual([
      'agency/config.yaml: site_discovery is restricted but no site is declared: every event with a page would be refused',
    ]);
  });
});

describe(normaliseHost.name, () => {
  it('lower-cases, drops a trailing dot and one leading www., and turns IDNs into punycode', () => {
    expect(normaliseHost('WWW.Example.COM.')).toBe('example.com');
    expect(normaliseHost('www.www.example.com')).toBe('www.example.com');
    expect(normaliseHost('bücher.example')).toBe('xn--bcher-kva.example');
    expect(normaliseHost('[::1]')).toBe('::1');
    expect(normaliseHost('')).toBeUndefined();
  });

  it('reads a page URL host the same way, ignoring scheme, port, path and credentials', () => {
    expect(pageHostOf('http://user@WWW.Shop.Bakery.example:8443/cart?x=1')).toBe('shop.bakery.example');
    expect(pageHostOf('not a url')).toBeNull();
    expect(pageHostOf(null)).toBeNull();
  });
});

describe(resolveSite.name, () => {
  it('keeps the site the record carries', () => {
    expect(resolveSite(agency, event('https://bakery.example/', 'server', 'florist'))).toEqual({ siteId: 'florist', origin: 'record', host: 'bakery.example' });
  });

  it("takes the authenticating key's site before the page host", () => {
    expect(resolveSite(agency, event('https://bakery.example/', 'florist-server'))).toMatchObject({ siteId: 'florist', origin: 'key' });
    expect(resolveSite(agency, event(null, 'pk_live_florist_0000000000000000'))).toEqual({ siteId: 'florist', origin: 'key', host: null });
  });

  it('matches a declared domain exactly (with or without www.), else the longest wildcard suffix', () => {
    expect(siteIdFor(agency, event('https://bakery.example/'))).toBe('bakery');
    expect(siteIdFor(agency, event('https://www.bakery.example/'))).toBe('bakery');
    expect(siteIdFor(agency, event('https://blog.bakery.example/'))).toBe('bakery');
    expect(siteIdFor(agency, event('https://eu.blog.bakery.example/'))).toBe('bakery');
    expect(siteIdFor(agency, event('https://shop.bakery.example/'))).toBe('bakery-shop');
    expect(siteIdFor(agency, event('https://www.florist.example/x'))).toBe('florist');
    // A wildcard covers subdomains only; an exact domain covers no subdomain but www.
    expect(siteIdFor(agency, event('https://cdn.florist.example/'))).toBe('cdn.florist.example');
    expect(siteIdFor(agency, event('https://notbakery.example/'))).toBe('notbakery.example');
  });

  it('discovers an undeclared host as a site named after it, never merging into a declared id', () => {
    expect(resolveSite(agency, event('https://WWW.New-Client.example/landing'))).toEqual({ siteId: 'new-client.example', origin: 'discovered', host: 'new-client.example' });
    expect(siteIdFor(agency, event('http://localhost:3000/'))).toBe('host:localhost');
    expect(siteIdFor(customerWith({}), event('http://localhost:3000/'))).toBe('localhost');
    expect(siteIdFor(agency, event('http://[::1]:8080/'))).toBe('::1');
  });

  it('gives no site to an event without a page and without a key site (server events)', () => {
    expect(resolveSite(agency, event(null))).toEqual({ siteId: null, origin: 'none', host: null });
    expect(siteIdFor(agency, event('garbage'))).toBeNull();
    expect(siteIdFor(agency, { page_url: null, key_id: null })).toBeNull();
  });

  it('is pure: a record without site_id derives what the gateway wrote into a new one', () => {
    const pages = ['https://bakery.example/a', 'https://x.example/', null, 'https://shop.bakery.example/'];
    for (const page of pages) {
      const written = siteIdFor(agency, event(page));
      expect(siteIdFor(agency, event(page, 'server', written))).toBe(written);
      expect(siteIdFor(agency, { page_url: page, key_id: 'server' })).toBe(written);
    }
  });
});

describe(undeclaredHostOf.name, () => {
  const restricted = customerWith(
    { sites: [{ id: 'bakery', domains: ['bakery.example'] }], site_discovery: 'restricted' },
    { api_tokens: [{ id: 'bound', sha256: TOKEN_SHA, site_id: 'bakery' }] },
  );

  it('names the host of a page no declared site covers when the customer restricts discovery', () => {
    expect(undeclaredHostOf(restricted, { page_url: 'https://www.other.example/x' })).toBe('other.example');
    expect(undeclaredHostOf(restricted, { page_url: 'https://bakery.example/x' })).toBeUndefined();
    expect(undeclaredHostOf(restricted, { page_url: null })).toBeUndefined();
  });

  it('lets every host pass under auto discovery', () => {
    expect(undeclaredHostOf(agency, { page_url: 'https://www.other.example/x' })).toBeUndefined();
  });
});
