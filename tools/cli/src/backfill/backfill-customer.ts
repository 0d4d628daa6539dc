import { loadCustomerDirectory, trackingEnabled, type CustomerConfig } from '@tracking/customers';
import { CliError } from '../cli-error';

/**
 * The customer whose configuration and privacy rules apply, read the way the gateway reads it.
 * A customer the gateway would refuse (invalid configuration, tracking switched off by
 * `features.site_tracking` or `tracking.ingest.enabled`) is refused here too.
 */
export function loadBackfillCustomer(customersDir: string, customerId: string): CustomerConfig {
  let loaded: ReturnType<typeof loadCustomerDirectory>;
  try {
    loaded = loadCustomerDirectory(customersDir);
  } catch (error) {
    throw new CliError((error as Error).message, 'Pass --customers-dir (or set CUSTOMERS_DIR) to the directory the gateway reads.');
  }
  const refused = loaded.errors.find((error) => error.customerId === customerId);
  if (refused) {
    throw new CliError(`the configuration of customer ${customerId} is invalid: ${refused.problems.join('; ')}`, `Fix ${customersDir}/${customerId}/config.yaml; the gateway refuses it too.`);
  }
  const customer = loaded.customers.get(customerId);
  if (!customer) {
    const known = [...loaded.customers.keys()].sort().join(', ') || '(none)';
    throw new CliError(`unknown customer ${customerId} in ${customersDir}`, `Known customers: ${known}. Is --customers-dir (or CUSTOMERS_DIR) the directory the gateway reads?`);
  }
  if (!trackingEnabled(customer)) {
    throw new CliError(
      `tracking is disabled for customer ${customerId} (features.yaml: site_tracking or tracking.ingest.enabled)`,
      'The gateway refuses its events (403); enable tracking for the customer before backfilling.',
    );
  }
  return customer;
}
