import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CustomerTexts } from '@tracking/contracts';
import type { CustomerConfig } from './customer-config';
import { CUSTOMER_ID_PATTERN, CustomerConfigError, parseCustomerConfig } from './customer-config.parser';

export interface CustomerDirectoryTexts {
  /** Each customer directory's files, as text, by directory name. */
  customers: Map<string, CustomerTexts>;
  /** Directories that cannot be a customer (no config.yaml, a name no customer id can have). */
  errors: CustomerConfigError[];
}

function readText(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** The texts of `<dir>/<customer_id>/{config,features,automations}.yaml` for every customer directory (seed 000's layout). */
export function readCustomerDirectoryTexts(directory: string): CustomerDirectoryTexts {
  if (!existsSync(directory)) throw new Error(`customer configuration directory ${directory} does not exist`);
  const customers = new Map<string, CustomerTexts>();
  const errors: CustomerConfigError[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const base = join(directory, entry.name);
    try {
      const config = readText(join(base, 'config.yaml'));
      if (config === null) throw new CustomerConfigError(entry.name, [`${entry.name}/config.yaml is missing`]);
      if (!CUSTOMER_ID_PATTERN.test(entry.name)) throw new CustomerConfigError(entry.name, [`${entry.name}: the directory name must be a customer id matching ${CUSTOMER_ID_PATTERN}`]);
      customers.set(entry.name, { config_yaml: config, features_yaml: readText(join(base, 'features.yaml')), automations_yaml: readText(join(base, 'automations.yaml')) });
    } catch (error) {
      errors.push(error instanceof CustomerConfigError ? error : new CustomerConfigError(entry.name, [`cannot be read: ${(error as Error).message}`]));
    }
  }
  return { customers, errors };
}

/** One YAML text parsed; a syntax error is a problem of that file, with its line and column. */
export function parseCustomerYaml(customerId: string, file: string, text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return parse(text);
  } catch (error) {
    throw new CustomerConfigError(customerId, [`${customerId}/${file}: is not valid YAML: ${(error as Error).message.split('\n')[0]?.replace(/:$/, '')}`]);
  }
}

/**
 * A customer's configuration from its texts, wherever they come from (the shared topic, a
 * directory): the same parser and per-field errors as seed 000's files.
 */
export function parseCustomerTexts(customerId: string, texts: CustomerTexts): CustomerConfig {
  return parseCustomerConfig(
    customerId,
    parseCustomerYaml(customerId, 'config.yaml', texts.config_yaml),
    parseCustomerYaml(customerId, 'features.yaml', texts.features_yaml),
  );
}
