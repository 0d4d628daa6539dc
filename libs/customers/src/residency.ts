import type { YamlReader } from './yaml-reader';

/**
 * `compliance.data_residency` (seed 000) and what it allows. A residency is kept, never just
 * parsed (issue 20 item 4): the AWS regions listed here are where the customer's export buckets may
 * be. The lists are explicit rather than prefixes because prefixes lie: eu-west-2 is London (not
 * the EU since 2020), eu-central-2 is Zurich.
 */
export const RESIDENCY_REGIONS: Readonly<Record<string, readonly string[]>> = {
  US: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'us-gov-east-1', 'us-gov-west-1'],
  EU: ['eu-west-1', 'eu-west-3', 'eu-central-1', 'eu-south-1', 'eu-south-2', 'eu-north-1'],
  UK: ['eu-west-2'],
  CH: ['eu-central-2'],
  CA: ['ca-central-1', 'ca-west-1'],
  AU: ['ap-southeast-2', 'ap-southeast-4'],
  JP: ['ap-northeast-1', 'ap-northeast-3'],
};

/** The region an AWS S3 endpoint names in its host (`s3.eu-west-1.amazonaws.com`, `s3-eu-west-1…`, `s3.dualstack.…`); undefined for any other host. */
export function awsEndpointRegion(endpoint: string): string | undefined {
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  if (!host.endsWith('.amazonaws.com')) return undefined;
  const match = /(?:^|\.)s3[.-](?:dualstack\.|fips\.)?([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com$/.exec(host);
  // s3.amazonaws.com (no region) is us-east-1's endpoint.
  return match?.[1] ?? (/(?:^|\.)s3\.amazonaws\.com$/.test(host) ? 'us-east-1' : undefined);
}

/**
 * Checks the `s3_export` block of config.yaml against the residency: the buckets' region (which the
 * exporter signs for and S3 keeps the objects in) must be one of the residency's, and an AWS
 * endpoint must name such a region too. A non-AWS endpoint (MinIO, an S3-compatible store) says
 * nothing checkable about where it is: its declared `region` is what is held to the residency.
 */
export function checkExportResidency(reader: YamlReader, root: Record<string, unknown>, residency: string): void {
  const allowed = RESIDENCY_REGIONS[residency];
  const block = root['s3_export'];
  if (!allowed || typeof block !== 'object' || block === null || Array.isArray(block)) return;
  const exportBlock = block as Record<string, unknown>;
  if (exportBlock['enabled'] === false) return;
  const credentials = exportBlock['credentials'];
  const credentialRegion = typeof credentials === 'object' && credentials !== null ? (credentials as Record<string, unknown>)['region'] : undefined;
  // The exporter's own default (export-target.ts) when the block names no region.
  const region = typeof exportBlock['region'] === 'string' ? exportBlock['region'] : typeof credentialRegion === 'string' ? credentialRegion : 'us-east-1';
  const where = `must be inside compliance.data_residency ${residency} (one of ${allowed.join(', ')})`;
  if (!allowed.includes(region)) reader.fail('s3_export.region', `is ${region}${exportBlock['region'] === undefined && credentialRegion === undefined ? ' (the default)' : ''}: ${where}`);
  for (const key of ['endpoint', 'backup_endpoint']) {
    const endpoint = exportBlock[key];
    const endpointRegion = typeof endpoint === 'string' ? awsEndpointRegion(endpoint) : undefined;
    if (endpointRegion && !allowed.includes(endpointRegion)) reader.fail(`s3_export.${key}`, `is in ${endpointRegion}: ${where}`);
  }
}

/** Seed 000's `geographic_restrictions: ["EU", "US"]`: ISO 3166-1 alpha-2 countries, and EU for its member states. */
const EU_MEMBERS = ['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE'];
const EEA_MEMBERS = [...EU_MEMBERS, 'IS', 'LI', 'NO'];
const GROUPS: Readonly<Record<string, readonly string[]>> = { EU: EU_MEMBERS, EEA: EEA_MEMBERS };

let regionNames: Intl.DisplayNames | undefined;
function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code)) return false;
  regionNames ??= new Intl.DisplayNames(['en'], { type: 'region' });
  // ICU answers an unknown code with the code itself (or "Unknown Region").
  const name = regionNames.of(code);
  return name !== undefined && name !== code && name !== 'Unknown Region';
}

/**
 * The countries `privacy.geographic_restrictions` allows, upper-case ISO codes; empty when the
 * customer restricts nothing. An entry that is neither a country nor EU/EEA is a problem: a
 * misspelt restriction must not silently allow (or refuse) a whole region.
 */
export function allowedCountries(reader: YamlReader, entries: readonly string[]): string[] {
  const countries = new Set<string>();
  entries.forEach((entry, index) => {
    const code = entry.trim().toUpperCase();
    const group = GROUPS[code];
    if (group) group.forEach((country) => countries.add(country));
    else if (isCountryCode(code)) countries.add(code);
    else reader.fail(`privacy.geographic_restrictions[${index}]`, `must be an ISO 3166-1 alpha-2 country code or one of ${Object.keys(GROUPS).join(', ')}; got "${entry}"`);
  });
  return [...countries].sort();
}
