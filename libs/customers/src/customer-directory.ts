import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CustomerConfig } from './customer-config';
import { CustomerConfigError, parseCustomerConfig } from './customer-config.parser';

export interface CustomerLoadResult {
  customers: Map<string, CustomerConfig>;
  /** Customers whose configuration could not be used, and why; the others still load. */
  errors: CustomerConfigError[];
}

function readYaml(file: string): unknown {
  return existsSync(file) ? parse(readFileSync(file, 'utf8')) : undefined;
}

/** Reads `<dir>/<customer_id>/config.yaml` and `features.yaml` for every customer directory (seed 000's layout). */
export function loadCustomerDirectory(directory: string): CustomerLoadResult {
  const customers = new Map<string, CustomerConfig>();
  const errors: CustomerConfigError[] = [];
  if (!existsSync(directory)) {
    throw new Error(`customer configuration directory ${directory} does not exist`);
  }
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const base = join(directory, entry.name);
    try {
      if (!existsSync(join(base, 'config.yaml'))) throw new CustomerConfigError(entry.name, [`${entry.name}/config.yaml is missing`]);
      const config = parseCustomerConfig(entry.name, readYaml(join(base, 'config.yaml')), readYaml(join(base, 'features.yaml')));
      customers.set(config.customerId, config);
    } catch (error) {
      errors.push(
        error instanceof CustomerConfigError ? error : new CustomerConfigError(entry.name, [`cannot be read: ${(error as Error).message}`]),
      );
    }
  }
  return { customers, errors };
}
