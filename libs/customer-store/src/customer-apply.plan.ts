import { changedCustomerFiles, customerDigest, type CustomerDocuments, type CustomerFileName, type CustomerTexts } from '@tracking/contracts';
import { AutomationsFileError, CustomerConfigError, parseAutomationsFile, parseCustomerConfig, parseCustomerYaml } from '@tracking/customers';

/** Who applies a change, when and through what: recorded with every customer it changes. */
export interface ApplyAuthor {
  by: string;
  at: number;
  via: string;
}

export type ApplyAction = 'created' | 'updated' | 'unchanged';

export interface PlannedCustomer {
  customerId: string;
  action: ApplyAction;
  changedFiles: CustomerFileName[];
  /** Who last applied the version now in force, and when (ISO); unset for a new customer. */
  previouslyAppliedBy?: string;
  previouslyAppliedAt?: string;
}

export interface ApplyPlan {
  customers: PlannedCustomer[];
  /** The records to publish: only customers whose documents changed. */
  records: CustomerDocuments[];
}

/**
 * Every problem of a customer's documents, each naming its file and field, through the services' own
 * parsers: config.yaml and features.yaml as every service reads them, automations.yaml as the
 * automation trigger does, except that the webhook secrets it names are not looked up (only the
 * trigger holds them; it refuses a file naming one it lacks, keeping the customer's last good
 * workflows, and logs why).
 */
export function customerProblems(customerId: string, texts: CustomerTexts): string[] {
  const problems: string[] = [];
  const BROKEN = Symbol('broken');
  // Each file parsed on its own, so a syntax error in one still lets the others be checked field by field.
  const parsed = (file: string, text: string | null): unknown => {
    try {
      return parseCustomerYaml(customerId, file, text);
    } catch (error) {
      if (!(error instanceof CustomerConfigError)) throw error;
      problems.push(...error.problems);
      return BROKEN;
    }
  };
  const config = parsed('config.yaml', texts.config_yaml);
  const features = parsed('features.yaml', texts.features_yaml);
  const automations = parsed('automations.yaml', texts.automations_yaml);
  if (config !== BROKEN) {
    try {
      parseCustomerConfig(customerId, config, features === BROKEN ? undefined : features);
    } catch (error) {
      if (!(error instanceof CustomerConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (automations !== BROKEN && automations !== undefined) {
    try {
      parseAutomationsFile(customerId, automations, {}, { resolveSecrets: false });
    } catch (error) {
      if (!(error instanceof AutomationsFileError)) throw error;
      problems.push(...error.problems);
    }
  }
  return problems;
}

/** What applying `wanted` to the customers now in force changes: customers new or different get a record, the others none. */
export function planCustomerApply(current: ReadonlyMap<string, CustomerDocuments>, wanted: ReadonlyMap<string, CustomerTexts>, author: ApplyAuthor): ApplyPlan {
  const customers: PlannedCustomer[] = [];
  const records: CustomerDocuments[] = [];
  for (const [customerId, texts] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
    const previous = current.get(customerId);
    const digest = customerDigest(texts);
    const was = previous ? { previouslyAppliedBy: previous.applied_by, previouslyAppliedAt: new Date(previous.applied_at).toISOString() } : {};
    if (previous?.digest === digest) {
      customers.push({ customerId, action: 'unchanged', changedFiles: [], ...was });
      continue;
    }
    const changedFiles = changedCustomerFiles(previous, texts);
    customers.push({ customerId, action: previous ? 'updated' : 'created', changedFiles, ...was });
    records.push({ customer_id: customerId, ...texts, digest, applied_by: author.by, applied_at: author.at, applied_via: author.via, changed_files: changedFiles });
  }
  return { customers, records };
}
