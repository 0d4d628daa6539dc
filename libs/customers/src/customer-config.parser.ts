import { tenantHashKey } from '@tracking/contracts';
import {
  DEFAULT_TOKEN_SCOPES,
  SERVER_EVENTS_CONSENT,
  TOKEN_SCOPES,
  type ApiTokenEntry,
  type CustomerConfig,
  type CustomerLocation,
  type ServerEventsConsent,
  type TokenScope,
} from './customer-config';
import { RESIDENCY_REGIONS, allowedCountries, checkExportResidency } from './residency';
import { parseKeySite, parseSites } from './sites.parser';
import { YamlReader } from './yaml-reader';

/** A customer directory that cannot be used; names every bad field. */
export class CustomerConfigError extends Error {
  override readonly name = 'CustomerConfigError';
  constructor(
    readonly customerId: string,
    readonly problems: readonly string[],
  ) {
    super(`customer ${customerId} has an invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export const CUSTOMER_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,99}$/;
export const PUBLISHABLE_KEY_PATTERN = /^pk_[A-Za-z0-9_]{16,100}$/;

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}
const SHA256_HEX = /^[0-9a-f]{64}$/;

function booleanMap(reader: YamlReader, value: unknown, path: string): Record<string, boolean> {
  const map = reader.object(value, path, false);
  return Object.fromEntries(Object.entries(map).map(([key, flag]) => [key, reader.boolean(flag, `${path}.${key}`, false)]));
}

/** Seed 000's storage_quota_gb (binary GB), a positive number: fractions allow small quotas (0.5 = 512 MiB). */
function storageQuotaGb(reader: YamlReader, value: unknown): number {
  if (value === undefined || value === null) return 100;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    reader.fail('technical.storage_quota_gb', 'must be a number greater than 0 (GB)');
    return 100;
  }
  return value;
}

/**
 * Turns the parsed config.yaml and features.yaml of one customer into a typed configuration, or
 * throws with every problem found. The directory name must equal `customer.id`.
 */
export function parseCustomerConfig(directoryName: string, config: unknown, features: unknown): CustomerConfig {
  const configFile = new YamlReader(`${directoryName}/config.yaml`);
  const root = configFile.object(config, '(document)');
  const customer = configFile.object(root['customer'], 'customer');
  const customerId = configFile.string(customer['id'], 'customer.id', { required: true, pattern: CUSTOMER_ID_PATTERN }) ?? directoryName;
  if (customerId !== directoryName) configFile.fail('customer.id', `must equal the directory name "${directoryName}"`);

  const locations: CustomerLocation[] = configFile.array(root['locations'], 'locations').map((item, index) => {
    const location = configFile.object(item, `locations[${index}]`);
    return {
      id: configFile.string(location['id'], `locations[${index}].id`, { required: true }) ?? '',
      name: configFile.string(location['name'], `locations[${index}].name`) ?? '',
    };
  });

  const technical = configFile.object(root['technical'], 'technical', false);
  const compliance = configFile.object(root['compliance'], 'compliance', false);
  const privacy = configFile.object(root['privacy'], 'privacy', false);
  const tracking = configFile.object(root['tracking'], 'tracking', false);

  const sites = parseSites(configFile, root);

  const apiTokens: ApiTokenEntry[] = configFile.array(tracking['api_tokens'], 'tracking.api_tokens').flatMap((item, index) => {
    const path = `tracking.api_tokens[${index}]`;
    const entry = configFile.object(item, path);
    const id = configFile.string(entry['id'], `${path}.id`, { required: true });
    const sha256 = configFile.string(entry['sha256'], `${path}.sha256`, { required: true, pattern: SHA256_HEX });
    if (entry['token'] !== undefined) configFile.fail(`${path}.token`, 'must not be here: store only the sha256 of a token');
    if (!id || !sha256) return [];
    const description = configFile.string(entry['description'], `${path}.description`);
    const siteId = parseKeySite(configFile, entry['site_id'], `${path}.site_id`, sites);
    const scopes = parseTokenScopes(configFile, entry['scopes'], `${path}.scopes`);
    return [{ id, sha256: Buffer.from(sha256, 'hex'), ...(description ? { description } : {}), ...(siteId ? { siteId } : {}), scopes }];
  });

  const piiDetection = privacy['pii_detection'] ?? 'enabled';
  if (piiDetection !== 'enabled' && piiDetection !== 'disabled') configFile.fail('privacy.pii_detection', 'must be enabled or disabled');
  const piiAction = privacy['pii_action'] ?? 'redact';
  if (piiAction !== 'redact' && piiAction !== 'hash') configFile.fail('privacy.pii_action', 'must be redact or hash');

  // HIPAA customers get the strictest value of every privacy setting they leave unset.
  const hipaa = configFile.boolean(compliance['hipaa_required'], 'compliance.hipaa_required', false);
  const strict = (key: string, lenient: boolean): boolean => configFile.boolean(privacy[key], `privacy.${key}`, hipaa ? true : lenient);

  // Server-side events carry no banner answer unless the server sends one; a HIPAA customer that
  // leaves this unset gets the strict rule, like every other privacy setting (issue 20 item 3).
  const serverEventsConsent = (privacy['server_events_consent'] ?? (hipaa ? 'require' : 'assume_granted')) as ServerEventsConsent;
  if (!SERVER_EVENTS_CONSENT.includes(serverEventsConsent)) {
    configFile.fail('privacy.server_events_consent', `must be ${SERVER_EVENTS_CONSENT.join(' or ')}; got "${String(serverEventsConsent)}"`);
  }

  // A residency is enforced on the export buckets, so an unknown one cannot be accepted and ignored.
  const dataResidency = (configFile.string(compliance['data_residency'], 'compliance.data_residency') ?? 'US').toUpperCase();
  if (!RESIDENCY_REGIONS[dataResidency]) {
    configFile.fail('compliance.data_residency', `must be one of ${Object.keys(RESIDENCY_REGIONS).join(', ')}; got "${String(compliance['data_residency'])}"`);
  }
  checkExportResidency(configFile, root, dataResidency);
  const geographicRestrictions = configFile.strings(privacy['geographic_restrictions'], 'privacy.geographic_restrictions');

  const publishableKeys = configFile.array(tracking['publishable_keys'], 'tracking.publishable_keys').flatMap((item, index) => {
    const path = `tracking.publishable_keys[${index}]`;
    const entry = configFile.object(item, path);
    const key = configFile.string(entry['key'], `${path}.key`, { required: true, pattern: PUBLISHABLE_KEY_PATTERN });
    const description = configFile.string(entry['description'], `${path}.description`);
    const siteId = parseKeySite(configFile, entry['site_id'], `${path}.site_id`, sites);
    return key ? [{ key, ...(description ? { description } : {}), ...(siteId ? { siteId } : {}) }] : [];
  });
  const allowedOrigins = configFile.strings(tracking['allowed_origins'], 'tracking.allowed_origins');
  allowedOrigins.forEach((origin, index) => {
    if (!isOrigin(origin)) configFile.fail(`tracking.allowed_origins[${index}]`, `must be an origin such as https://www.example.com, got "${origin}"`);
  });

  const featuresFile = new YamlReader(`${directoryName}/features.yaml`);
  const featureRoot = featuresFile.object(features ?? {}, '(document)', false);

  const parsed: CustomerConfig = {
    customerId,
    tenantHk: tenantHashKey(customerId).toString('hex'),
    name: configFile.string(customer['name'], 'customer.name', { required: true }) ?? customerId,
    industry: configFile.string(customer['industry'], 'customer.industry'),
    locations,
    technical: {
      apiRateLimit: configFile.integer(technical['api_rate_limit'], 'technical.api_rate_limit', 1000, 1),
      storageQuotaGb: storageQuotaGb(configFile, technical['storage_quota_gb']),
      backupRetentionDays: configFile.integer(technical['backup_retention_days'], 'technical.backup_retention_days', 365),
    },
    compliance: {
      hipaaRequired: hipaa,
      dataResidency,
    },
    privacy: {
      ipAddressHashing: strict('ip_address_hashing', false),
      userAgentTruncation: strict('user_agent_truncation', false),
      piiDetection: piiDetection === 'disabled' && !hipaa ? 'disabled' : 'enabled',
      piiAction: piiAction === 'hash' ? 'hash' : 'redact',
      dataRetentionDays: configFile.integer(privacy['data_retention_days'], 'privacy.data_retention_days', 365, 1),
      geographicRestrictions,
      allowedCountries: allowedCountries(configFile, geographicRestrictions),
      consentRequired: strict('consent_required', false),
      serverEventsConsent: SERVER_EVENTS_CONSENT.includes(serverEventsConsent) ? serverEventsConsent : 'require',
      honorDoNotTrack: strict('honor_do_not_track', true),
      redactQueryParameters: configFile.strings(privacy['redact_query_parameters'], 'privacy.redact_query_parameters'),
      essentialEventTypes: privacy['essential_event_types'] === undefined
        ? ['consent_update']
        : configFile.strings(privacy['essential_event_types'], 'privacy.essential_event_types'),
    },
    tracking: { apiTokens, publishableKeys, allowedOrigins },
    sites,
    flags: booleanMap(featuresFile, featureRoot['flags'], 'flags'),
    features: booleanMap(featuresFile, featureRoot['features'], 'features'),
  };

  const problems = [...configFile.problems, ...featuresFile.problems];
  if (problems.length > 0) throw new CustomerConfigError(directoryName, problems);
  return parsed;
}

/** `scopes: [ingest, read, admin]`; absent means DEFAULT_TOKEN_SCOPES, an empty or unknown entry is an error. */
function parseTokenScopes(configFile: YamlReader, value: unknown, path: string): readonly TokenScope[] {
  if (value === undefined) return DEFAULT_TOKEN_SCOPES;
  const scopes = configFile.strings(value, path);
  if (scopes.length === 0) configFile.fail(path, `must name at least one of ${TOKEN_SCOPES.join(', ')} (leave it out for ${DEFAULT_TOKEN_SCOPES.join(', ')})`);
  const known = scopes.filter((scope): scope is TokenScope => (TOKEN_SCOPES as readonly string[]).includes(scope));
  scopes.forEach((scope, index) => {
    if (!known.includes(scope as TokenScope)) configFile.fail(`${path}[${index}]`, `must be one of ${TOKEN_SCOPES.join(', ')}, got "${scope.slice(0, 50)}"`);
  });
  return [...new Set(known)];
}
