import type { CustomerStoreClient } from '@tracking/customer-store';
import { CustomerConfigError, loadCustomerDirectory, parseCustomerTexts, trackingEnabled, type CustomerConfig } from '@tracking/customers';
import { TOPICS } from '@tracking/contracts';
import { CliError } from '../cli-error';

/**
 * The customer whose configuration and privacy rules apply, read the way the gateway reads it:
 * from the shared topic tracking.customers.v1, or from `customersDir` when one is given. A
 * customer the gateway would refuse (invalid configuration, tracking switched off by
 * `features.site_tracking` or `tracking.ingest.enabled`) is refused here too.
 */
export async function loadBackfillCustomer(customersDir: string | undefined, customerId: string, store: () => CustomerStoreClient): Promise<CustomerConfig> {
  if (customersDir === undefined) return enabled(customerId, await fromTopic(store(), customerId));
  let loaded: ReturnType<typeof loadCustomerDirectory>;
  try {
    loaded = loadCustomerDirectory(customersDir);
  } catch (error) {
    throw new CliError((error as Error).message, 'Pass --customers-dir (or set CUSTOMERS_DIR) to a directory of customers, or neither to read the shared topic.');
  }
  const refused = loaded.errors.find((error) => error.customerId === customerId);
  if (refused) {
    throw new CliError(`the configuration of customer ${customerId} is invalid: ${refused.problems.join('; ')}`, `Fix ${customersDir}/${customerId}/config.yaml; the gateway refuses it too.`);
  }
  const customer = loaded.customers.get(customerId);
  if (!customer) {
    const known = [...loaded.customers.keys()].sort().join(', ') || '(none)';
    throw new CliError(`unknown customer ${customerId} in ${customersDir}`, `Known customers: ${known}. Without --customers-dir (and CUSTOMERS_DIR) the customer is read from ${TOPICS.customers}, as the gateway reads it.`);
  }
  return enabled(customerId, customer);
}

async function fromTopic(store: CustomerStoreClient, customerId: string): Promise<CustomerConfig> {
  const documents = await store.read();
  const found = documents.get(customerId);
  if (!found) {
    const known = [...documents.keys()].sort().join(', ') || '(none)';
    throw new CliError(`unknown customer ${customerId} in ${TOPICS.customers}`, `Known customers: ${known}. Apply it first: tracking customers apply <dir>.`);
  }
  try {
    return parseCustomerTexts(customerId, found);
  } catch (error) {
    if (!(error instanceof CustomerConfigError)) throw error;
    throw new CliError(`the configuration of customer ${customerId} is invalid: ${error.problems.join('; ')}`, 'Fix it and apply it again (tracking customers apply); the gateway refuses it too.');
  }
}

function enabled(customerId: string, customer: CustomerConfig): CustomerConfig {
  if (!trackingEnabled(customer)) {
    throw new CliError(
      `tracking is disabled for customer ${customerId} (features.yaml: site_tracking or tracking.ingest.enabled)`,
      'The gateway refuses its events (403); enable tracking for the customer before backfilling.',
    );
  }
  // The gateway enforces the restriction from a trusted edge's country header; a log or a CSV has
  // no such statement, so every event would be dropped. Refused up front instead (issue 20 item 4).
  if (customer.privacy.allowedCountries.length > 0) {
    throw new CliError(
      `customer ${customerId} has privacy.geographic_restrictions (${customer.privacy.geographicRestrictions.join(', ')}): a backfill knows no trusted country for its events, so it cannot keep them`,
      'Backfill a customer without geographic restrictions, or send the events through the gateway behind the edge that sets TRACKING_COUNTRY_HEADER.',
    );
  }
  return customer;
}
