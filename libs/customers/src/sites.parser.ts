import { SITE_DISCOVERY_MODES, SITE_ID_PATTERN, normaliseHost, type SiteDeclaration, type SiteDiscovery, type SiteSettingValue, type SitesConfig } from './sites';
import type { YamlReader } from './yaml-reader';

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);

/** A declared domain in its compared form, or why it is not one. */
function normaliseDomain(value: string): { domain: string } | { problem: string } {
  const notHost = `must be a host name such as shop.example.com or *.example.com (no scheme, port or path), got "${value}"`;
  if (/[/:?#@\s]/.test(value)) return { problem: notHost };
  const wildcard = value.startsWith('*.');
  const host = normaliseHost(wildcard ? value.slice(2) : value);
  if (!host || !HOST_NAME.test(host) || host.length > 253) return { problem: notHost };
  // "*.com" would claim a whole top-level domain for one site.
  if (wildcard && !host.includes('.')) return { problem: `"${value}" is too broad: a wildcard needs a domain with at least two labels` };
  return { domain: wildcard ? `*.${host}` : host };
}

function settingsOf(reader: YamlReader, value: unknown, path: string): Record<string, SiteSettingValue> {
  const settings: Record<string, SiteSettingValue> = {};
  for (const [name, setting] of Object.entries(reader.object(value, path, false))) {
    if (typeof setting === 'string' || typeof setting === 'boolean' || (typeof setting === 'number' && Number.isFinite(setting))) settings[name] = setting;
    else reader.fail(`${path}.${name}`, 'must be a string, number or boolean');
  }
  return settings;
}

/**
 * config.yaml's `sites` and `site_discovery` (seed 004: one pixel on many domains, data separated by
 * site). Every domain belongs to at most one site, so which site a host belongs to never depends on
 * the order of the file.
 */
export function parseSites(reader: YamlReader, root: Record<string, unknown>): SitesConfig {
  const declared: SiteDeclaration[] = [];
  const siteOfDomain = new Map<string, string>();
  reader.array(root['sites'], 'sites').forEach((item, index) => {
    const path = `sites[${index}]`;
    const entry = reader.object(item, path);
    const id = reader.string(entry['id'], `${path}.id`, { required: true });
    let usable = id !== undefined;
    if (id !== undefined && !SITE_ID_PATTERN.test(id)) {
      reader.fail(`${path}.id`, `must be lower-case letters, digits, "_" or "-" (at most 64, no dots: a dotted id would read like a discovered host), got "${id}"`);
      usable = false;
    } else if (id !== undefined && declared.some((site) => site.id === id)) {
      reader.fail(`${path}.id`, `"${id}" is declared twice`);
      usable = false;
    }
    const domains: string[] = [];
    const listed = reader.strings(entry['domains'], `${path}.domains`);
    if (entry['domains'] !== undefined && listed.length === 0) reader.fail(`${path}.domains`, 'must name at least one domain');
    if (entry['domains'] === undefined) reader.fail(`${path}.domains`, 'is required');
    listed.forEach((value, domainIndex) => {
      const result = normaliseDomain(value);
      if ('problem' in result) return reader.fail(`${path}.domains[${domainIndex}]`, result.problem);
      const owner = siteOfDomain.get(result.domain);
      if (owner !== undefined) return reader.fail(`${path}.domains[${domainIndex}]`, `"${value}" is already a domain of site "${owner}"`);
      siteOfDomain.set(result.domain, id ?? path);
      domains.push(result.domain);
    });
    const name = reader.string(entry['name'], `${path}.name`) ?? null;
    const settings = settingsOf(reader, entry['settings'], `${path}.settings`);
    if (usable && id !== undefined) declared.push({ id, name, domains, settings });
  });

  const discovery = root['site_discovery'] ?? 'auto';
  if (!SITE_DISCOVERY_MODES.includes(discovery as SiteDiscovery)) reader.fail('site_discovery', `must be ${SITE_DISCOVERY_MODES.join(' or ')}, got "${String(discovery)}"`);
  const mode: SiteDiscovery = discovery === 'restricted' ? 'restricted' : 'auto';
  if (mode === 'restricted' && declared.length === 0) reader.fail('site_discovery', 'is restricted but no site is declared: every event with a page would be refused');
  return { declared, discovery: mode };
}

/** A key's `site_id`: must name a declared site. */
export function parseKeySite(reader: YamlReader, value: unknown, path: string, sites: SitesConfig): string | undefined {
  const siteId = reader.string(value, path);
  if (siteId === undefined) return undefined;
  if (!sites.declared.some((site) => site.id === siteId)) {
    reader.fail(path, `names no declared site: "${siteId}" is not among sites[].id (${sites.declared.map((site) => site.id).join(', ') || 'none declared'})`);
    return undefined;
  }
  return siteId;
}
