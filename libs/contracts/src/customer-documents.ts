import { createHash } from 'node:crypto';

/** Mirrors schemas/avro/customer-documents.v1.avsc: one customer's YAML documents and who applied them when. */
export interface CustomerDocuments {
  customer_id: string;
  config_yaml: string;
  features_yaml: string | null;
  automations_yaml: string | null;
  digest: string;
  applied_by: string;
  applied_at: number;
  applied_via: string;
  changed_files: string[];
}

export const CUSTOMER_DOCUMENTS_SCHEMA_FILE = 'customer-documents.v1.avsc';

/** The files of seed 000's layout a customer record carries, with the field that holds each. */
export const CUSTOMER_FILES = [
  { file: 'config.yaml', field: 'config_yaml' },
  { file: 'features.yaml', field: 'features_yaml' },
  { file: 'automations.yaml', field: 'automations_yaml' },
] as const;

export type CustomerFileName = (typeof CUSTOMER_FILES)[number]['file'];

export type CustomerTexts = Pick<CustomerDocuments, 'config_yaml' | 'features_yaml' | 'automations_yaml'>;

/** SHA-256 over the three texts, each framed by its length, so moving text from one file to another changes it. */
export function customerDigest(texts: CustomerTexts): string {
  const hash = createHash('sha256');
  for (const { field } of CUSTOMER_FILES) {
    const text = texts[field];
    hash.update(text === null ? '-1:' : `${Buffer.byteLength(text)}:`).update(text ?? '');
  }
  return hash.digest('hex');
}

/** The files whose text differs between two versions of a customer (every present file when there was none). */
export function changedCustomerFiles(before: CustomerTexts | undefined, after: CustomerTexts): CustomerFileName[] {
  return CUSTOMER_FILES.filter(({ field }) => (before ? before[field] !== after[field] : after[field] !== null)).map(({ file }) => file);
}
