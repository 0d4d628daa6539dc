import type { CustomerConfig } from './customer-config';
import { CustomerConfigError } from './customer-config.parser';
import { parseCustomerTexts, readCustomerDirectoryTexts } from './customer-texts';

export interface CustomerLoadResult {
  customers: Map<string, CustomerConfig>;
  /** Customers whose configuration could not be used, and why; the others still load. */
  errors: CustomerConfigError[];
}

/** Reads `<dir>/<customer_id>/config.yaml` and `features.yaml` for every customer directory (seed 000's layout). */
export function loadCustomerDirectory(directory: string): CustomerLoadResult {
  const customers = new Map<string, CustomerConfig>();
  const { customers: texts, errors } = readCustomerDirectoryTexts(directory);
  for (const [customerId, customerTexts] of texts) {
    try {
      const config = parseCustomerTexts(customerId, customerTexts);
      customers.set(config.customerId, config);
    } catch (error) {
      errors.push(error instanceof CustomerConfigError ? error : new CustomerConfigError(customerId, [`cannot be read: ${(error as Error).message}`]));
    }
  }
  return { customers, errors };
}
