import { optionsFromDataset, resolveOptions } from './options';

const minimal = { customerId: 'retail_chain', publishableKey: 'pk_live_abc', endpoint: 'https://collect.example.com' };

describe(resolveOptions.name, () => {
  it('fills the defaults: consent required, Do Not Track off, page views on, behaviour off', () => {
    expect(resolveOptions(minimal)).toMatchObject({
      requireConsent: true,
      respectDoNotTrack: false,
      autoPageViews: true,
      behaviour: [],
      storage: 'cookie',
      flushAt: 10,
      flushIntervalMs: 1000,
    });
  });

  it('names every bad option in one error', () => {
    expect(() => resolveOptions({ customerId: '', publishableKey: '', endpoint: 'collect.example.com', flushAt: 500 })).toThrow(
      'Tracking: invalid options: customerId is required; publishableKey is required; endpoint must be an http(s) URL such as https://collect.example.com; flushAt must be a number from 1 to 50',
    );
  });

  it('refuses a secret token in place of the publishable key', () => {
    expect(() => resolveOptions({ ...minimal, publishableKey: 'sk_live_0123' })).toThrow(/secret token/);
    expect(() => resolveOptions({ ...minimal, publishableKey: 'ovt_dev_one_spa_x' })).toThrow(/secret token/);
  });

  it('takes behaviour as true (everything) or a list of known features', () => {
    expect(resolveOptions({ ...minimal, behaviour: true }).behaviour).toEqual(['scroll', 'clicks', 'forms', 'visibility']);
    expect(resolveOptions({ ...minimal, behaviour: ['scroll'] }).behaviour).toEqual(['scroll']);
    expect(() => resolveOptions({ ...minimal, behaviour: ['mouse' as never] })).toThrow(/unknown features mouse/);
  });

  it('links no other domains unless told', () => {
    expect(resolveOptions(minimal).linkDomains).toEqual([]);
    expect(resolveOptions({ ...minimal, linkDomains: ['book.example'] }).linkDomains).toEqual(['book.example']);
  });
});

describe(optionsFromDataset.name, () => {
  it('reads the script tag\'s attributes, the gateway defaulting to where the script came from', () => {
    const options = optionsFromDataset(
      { customerId: 'retail_chain', key: 'pk_live_abc', requireConsent: 'false', behaviour: 'scroll, forms', redact: 'coupon,email', respectDnt: '' },
      'https://collect.example.com/js/tracking.js',
    );
    expect(options).toEqual({
      customerId: 'retail_chain',
      publishableKey: 'pk_live_abc',
      endpoint: 'https://collect.example.com',
      requireConsent: false,
      respectDoNotTrack: true,
      behaviour: ['scroll', 'forms'],
      redactQueryParameters: ['coupon', 'email'],
    });
  });

  it('takes data-behaviour="true" as every feature and an explicit data-endpoint over the script\'s origin', () => {
    const options = optionsFromDataset({ behaviour: 'true', endpoint: 'https://other.example' }, 'https://collect.example.com/js/tracking.js');
    expect(options).toEqual({ behaviour: true, endpoint: 'https://other.example' });
  });

  it('reads data-link-domains as a comma-separated list', () => {
    expect(optionsFromDataset({ linkDomains: 'book.example, shop.example' }, undefined)).toEqual({ linkDomains: ['book.example', 'shop.example'] });
  });
});
