import { TRIGGER_TYPES, type TriggerType } from '@tracking/contracts';
import { YamlReader } from './yaml-reader';
import { globToRegExp } from './path-glob';
import type { PathFilter, PropertyFilter, Webhook, Workflow } from './workflow';

const WORKFLOW_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const SECRET = /^whsec_([A-Za-z0-9+/]{32,}={0,2})$/;
const FILTERS: readonly string[] = ['url_path', 'event_name', 'properties'];

export class AutomationsFileError extends Error {
  constructor(
    readonly customerId: string,
    readonly problems: string[],
  ) {
    super(`customer ${customerId} has invalid automations:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export interface AutomationsFileOptions {
  /**
   * Whether the webhook secrets the file names must be set in `env` (the automation trigger, which
   * signs with them). `false` checks everything else, the names included: how `tracking customers
   * apply` checks a file on a machine that does not hold the secrets.
   */
  resolveSecrets?: boolean;
}

/**
 * Reads a customer's `automations.yaml`. Webhook secrets are never in the file: it names the
 * environment variables that hold them (`secret_env`), so the file can be committed.
 * Every problem is reported with its field; a file with any problem yields no workflow.
 */
export function parseAutomationsFile(
  customerId: string,
  document: unknown,
  env: Readonly<Record<string, string | undefined>>,
  options: AutomationsFileOptions = {},
): Workflow[] {
  const resolveSecrets = options.resolveSecrets ?? true;
  const file = new YamlReader(`${customerId}/automations.yaml`);
  const root = file.object(document, 'automations.yaml', false);
  const seen = new Set<string>();
  const workflows = file.array(root['workflows'], 'workflows').flatMap((item, index): Workflow[] => {
    const at = `workflows[${index}]`;
    const fields = file.object(item, at);
    const workflowId = file.string(fields['id'], `${at}.id`, { required: true, pattern: WORKFLOW_ID });
    if (workflowId && seen.has(workflowId)) file.fail(`${at}.id`, `"${workflowId}" is declared twice`);
    if (workflowId) seen.add(workflowId);
    const trigger = file.string(fields['trigger'], `${at}.trigger`, { required: true });
    if (trigger !== undefined && !(TRIGGER_TYPES as readonly string[]).includes(trigger)) file.fail(`${at}.trigger`, `must be one of ${TRIGGER_TYPES.join(', ')}`);
    if (!file.boolean(fields['enabled'], `${at}.enabled`, true)) return [];
    const filters = file.object(fields['filters'], `${at}.filters`, false);
    // A filter this reader does not know (a typo, or `url_contains` from another product) would
    // otherwise be ignored, and the workflow would fire on every event of its trigger type.
    for (const name of Object.keys(filters)) {
      if (!FILTERS.includes(name)) file.fail(`${at}.filters.${name}`, `is not a filter: use ${FILTERS.join(', ')}`);
    }
    const names = filters['event_name'] === undefined ? undefined : typeof filters['event_name'] === 'string' ? [filters['event_name']] : file.strings(filters['event_name'], `${at}.filters.event_name`);
    const workflow: Workflow = {
      customerId,
      workflowId: workflowId ?? '',
      trigger: trigger as TriggerType,
      path: pathFilter(file, filters['url_path'], `${at}.filters.url_path`),
      eventNames: names ? new Set(names) : undefined,
      properties: Object.entries(file.object(filters['properties'], `${at}.filters.properties`, false)).map(([name, value]) => [
        name,
        propertyFilter(file, value, `${at}.filters.properties.${name}`),
      ]),
      webhook: fields['webhook'] === undefined ? undefined : webhook(file, fields['webhook'], `${at}.webhook`, env, resolveSecrets),
    };
    return [workflow];
  });
  if (file.problems.length > 0) throw new AutomationsFileError(customerId, file.problems);
  return workflows;
}

function pathFilter(file: YamlReader, value: unknown, at: string): PathFilter | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { kind: 'exact', value };
  const fields = Object.entries(file.object(value, at));
  const [kind, text] = fields[0] ?? [];
  if (fields.length !== 1 || (kind !== 'exact' && kind !== 'prefix' && kind !== 'glob')) {
    file.fail(at, 'must have exactly one of exact, prefix or glob');
    return undefined;
  }
  const path = file.string(text, `${at}.${kind}`, { required: true });
  if (path === undefined) return undefined;
  if (!path.startsWith('/')) file.fail(`${at}.${kind}`, 'must start with "/"');
  return kind === 'glob' ? { kind, value: path, pattern: globToRegExp(path) } : { kind, value: path };
}

function propertyFilter(file: YamlReader, value: unknown, at: string): PropertyFilter {
  const scalar = (item: unknown) => (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean' ? String(item) : undefined);
  if (scalar(value) !== undefined) return { kind: 'equals', value: scalar(value) ?? '' };
  const fields = Object.entries(file.object(value, at));
  const [kind, operand] = fields[0] ?? [];
  if (fields.length === 1 && kind === 'equals' && scalar(operand) !== undefined) return { kind, value: scalar(operand) ?? '' };
  if (fields.length === 1 && kind === 'exists' && typeof operand === 'boolean') return { kind, value: operand };
  if (fields.length === 1 && kind === 'one_of' && Array.isArray(operand) && operand.length > 0 && operand.every((item) => scalar(item) !== undefined)) {
    return { kind, values: operand.map((item) => scalar(item) ?? '') };
  }
  file.fail(at, 'must be a value, or exactly one of equals: <value>, one_of: [<values>], exists: true|false');
  return { kind: 'exists', value: true };
}

function webhook(file: YamlReader, value: unknown, at: string, env: Readonly<Record<string, string | undefined>>, resolveSecrets: boolean): Webhook | undefined {
  const fields = file.object(value, at);
  const url = file.string(fields['url'], `${at}.url`, { required: true });
  if (url !== undefined) {
    try {
      if (!['http:', 'https:'].includes(new URL(url).protocol)) file.fail(`${at}.url`, 'must be an http(s) URL');
    } catch {
      file.fail(`${at}.url`, 'must be an http(s) URL');
    }
  }
  const names = typeof fields['secret_env'] === 'string' ? [fields['secret_env']] : file.strings(fields['secret_env'], `${at}.secret_env`);
  if (names.length === 0 || names.length > 2) file.fail(`${at}.secret_env`, 'must name one environment variable, or two while rotating');
  const secrets = names.flatMap((name) => {
    if (!ENV_NAME.test(name)) {
      file.fail(`${at}.secret_env`, `"${name}" is not an environment variable name`);
      return [];
    }
    if (!resolveSecrets) return [];
    const match = SECRET.exec(env[name] ?? '');
    if (!match?.[1]) {
      file.fail(`${at}.secret_env`, `${name} must hold a Standard Webhooks secret: whsec_ followed by at least 24 bytes in base64`);
      return [];
    }
    return [Buffer.from(match[1], 'base64')];
  });
  return url === undefined ? undefined : { url, secrets };
}
