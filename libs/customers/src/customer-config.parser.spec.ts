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
      privacy: { ipAddressHashing: true, consentRequired: true, dataRetentionDays: 2555, serverEventsConsent: 'require' },
    });
    expect(customers.get('retail_chain')?.privacy.serverEventsConsent).toBe('assume_granted');
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

  describe('privacy settings that are kept, never only parsed (issue 20)', () => {
    const parse = (config: Record<string, unknown>) => parseCustomerConfig('acme', { customer: { id: 'acme', name: 'Acme' }, ...config }, {});
    const problems = (config: Record<string, unknown>): readonly string[] => {
      try {
        parse(config);
        return [];
      } catch (error) {
        return (error as CustomerConfigError).problems;
      }
    };

    it('refuses a server_events_consent that is neither assume_granted nor require', () => {
      expect(problems({ privacy: { server_events_consent: 'yes' } })).toEqual(['acme/config.yaml: privacy.server_events_consent must be assume_granted or require; got "yes"']);
    });

    it('refuses an unknown data residency', () => {
      expect(problems({ compliance: { data_residency: 'Mars' } })).toEqual([
        'acme/config.yaml: compliance.data_residency must be one of US, EU, UK, CH, CA, AU, JP; got "Mars"',
      ]);
    });

    it('refuses an export bucket or an AWS endpoint outside the residency, and accepts one inside', () => {
      const s3 = (extra: Record<string, unknown>) => ({ s3_export: { client_bucket: 'acme-bucket', ...extra } });
      expect(problems({ compliance: { data_residency: 'EU' }, ...s3({}) })).toEqual([
        'acme/config.yaml: s3_export.region is us-east-1 (the default): must be inside compliance.data_residency EU (one of eu-west-1, eu-west-3, eu-central-1, eu-south-1, eu-south-2, eu-north-1)',
      ]);
      expect(problems({ compliance: { data_residency: 'EU' }, ...s3({ region: 'eu-west-2' }) })).toHaveLength(1);
      expect(problems({ compliance: { data_residency: 'EU' }, ...s3({ region: 'eu-central-1', backup_endpoint: 'https://s3.us-west-2.amazonaws.com' }) })).toEqual([
        'acme/config.yaml: s3_export.backup_endpoint is in us-west-2: must be inside compliance.data_residency EU (one of eu-west-1, eu-west-3, eu-central-1, eu-south-1, eu-south-2, eu-north-1)',
      ]);
      expect(problems({ compliance: { data_residency: 'EU' }, ...s3({ credentials: { region: 'eu-west-1' }, endpoint: 'https://s3.eu-west-1.amazonaws.com' }) })).toEqual([]);
      expect(problems({ compliance: { data_residency: 'US' }, ...s3({ endpoint: 'http://127.0.0.1:9000' }) })).toEqual([]);
    });

    it('refuses a geographic restriction that is not a country, EU or EEA', () => {
      expect(problems({ privacy: { geographic_restrictions: ['EU', 'Narnia', 'ZZ'] } })).toEqual([
        'acme/config.yaml: privacy.geographic_restrictions[1] must be an ISO 3166-1 alpha-2 country code or one of EU, EEA; got "Narnia"',
        'acme/config.yaml: privacy.geographic_restrictions[2] must be an ISO 3166-1 alpha-2 country code or one of EU, EEA; got "ZZ"',
      ]);
      expect(parse({ privacy: { geographic_restrictions: ['EEA', 'ch'] } }).privacy.allowedCountries).toEqual(expect.arrayContaining(['NO', 'CH', 'DE']));
    });
  });
});
