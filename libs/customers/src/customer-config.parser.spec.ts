import { join } from 'node:path';
import { loadCustomerDirectory } from './customer-directory';
import { CustomerConfigError, parseCustomerConfig } from './customer-config.parser';
import { trackingEnabled } from './customer-config';

const EXAMPLES = join(__dirname, '..', '..', '..', 'example-customers', 'configurations');

describe(parseCustomerConfig.name, () => {
  it('loads the example customers of the seed', () => {
    const { customers, errors } = loadCustomerDirectory(EXAMPLES);
    expect(errors).toEqual([]);
    const oneSpa = customers.get('one_spa');
    expect(oneSpa).toMatchObject({
      name: 'OneSpa Wellness Centers',
      tenantHk: '6a885e561ce20f79ab33abfa682dfe39cf0c9529bb10099e388dc1658ed70151',
      technical: { apiRateLimit: 5000 },
      compliance: { hipaaRequired: true, dataResidency: 'US' },
      privacy: { ipAddressHashing: true, consentRequired: true, dataRetentionDays: 2555 },
    });
    expect(oneSpa?.tracking.apiTokens[0]?.sha256).toHaveLength(32);
    expect(customers.has('retail_chain')).toBe(true);
  });

  it('names the file and field of every problem', () => {
    const config = {
      customer: { id: 'acme', name: '' },
      technical: { api_rate_limit: -5 },
      tracking: { api_tokens: [{ id: 'x', sha256: 'zz', token: 'plaintext' }] },
    };
    expect(() => parseCustomerConfig('acme', config, { flags: { 'tracking.ingest.enabled': 'yes' } })).toThrow(CustomerConfigError);
    try {
      parseCustomerConfig('acme', config, { flags: { 'tracking.ingest.enabled': 'yes' } });
    } catch (error) {
      expect((error as CustomerConfigError).problems).toEqual([
        'acme/config.yaml: tracking.api_tokens[0].sha256 must match /^[0-9a-f]{64}$/',
        'acme/config.yaml: tracking.api_tokens[0].token must not be here: store only the sha256 of a token',
        'acme/config.yaml: customer.name must be a non-empty string',
        'acme/config.yaml: technical.api_rate_limit must be an integer of at least 1',
        'acme/features.yaml: flags.tracking.ingest.enabled must be true or false',
      ]);
    }
  });

  it('refuses a customer whose id differs from its directory', () => {
    expect(() => parseCustomerConfig('acme', { customer: { id: 'other', name: 'Other' } }, {})).toThrow(/must equal the directory name/);
  });

  it('turns tracking off through features.yaml', () => {
    const base = { customer: { id: 'acme', name: 'Acme' } };
    expect(trackingEnabled(parseCustomerConfig('acme', base, {}))).toBe(true);
    expect(trackingEnabled(parseCustomerConfig('acme', base, { features: { site_tracking: false } }))).toBe(false);
    expect(trackingEnabled(parseCustomerConfig('acme', base, { flags: { 'tracking.ingest.enabled': false } }))).toBe(false);
  });
});
