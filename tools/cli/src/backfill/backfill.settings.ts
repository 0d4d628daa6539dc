import { isAbsolute, resolve } from 'node:path';
import { CliError } from '../cli-error';
import type { InputFormat } from './input-files';

/** The options as commander hands them over. */
export interface BackfillOptions {
  customer: string;
  format?: InputFormat;
  customersDir?: string;
  hashKey?: string;
  rejects?: string;
  dryRun?: boolean;
  batch: number;
  site?: string;
}

/** Checked and resolved once, before any file is opened or any connection made. */
export interface BackfillSettings {
  inputs: string[];
  customerId: string;
  format?: InputFormat;
  /** Unset: the customer is read from the shared topic tracking.customers.v1, as the gateway reads it. */
  customersDir?: string;
  hashKey: Buffer;
  rejectsFile: string;
  dryRun: boolean;
  batchSize: number;
  /** Origin that access log paths are appended to; required only when access logs are read. */
  siteOrigin?: string;
}

/** The gateway refuses shorter keys (TRACKING_HASH_KEY); the same key must work in both places. */
const MIN_HASH_KEY_CHARS = 32;
/** The gateway's own largest produce request by default (KAFKA_MAX_BATCH_RECORDS): well under the broker's size limits. */
export const MAX_BATCH = 2000;

export function parseBatchSize(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > MAX_BATCH) throw new CliError(`--batch must be a whole number from 1 to ${MAX_BATCH}, not ${text}`);
  return value;
}

function siteOrigin(site: string): string {
  if (!URL.canParse(site)) throw new CliError(`--site ${site} is not a URL`, 'Pass the site the log belongs to, e.g. --site https://www.example.com');
  const url = new URL(site);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CliError(`--site ${site} is not an http or https URL`);
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new CliError(`--site ${site} has a path`, 'Log lines already hold the whole path; pass only scheme and host, e.g. https://www.example.com');
  }
  return url.origin;
}

export function backfillSettings(inputs: readonly string[], options: BackfillOptions, cwd: string): BackfillSettings {
  if (!options.hashKey) {
    throw new CliError(
      'no hash key: the backfill must hash IP addresses and PII with the key the gateway uses',
      "Set TRACKING_HASH_KEY (or pass --hash-key) to the gateway's TRACKING_HASH_KEY; with another key the hashes and event ids would not match the gateway's.",
    );
  }
  if (options.hashKey.length < MIN_HASH_KEY_CHARS) {
    throw new CliError(`the hash key has ${options.hashKey.length} characters; the gateway requires at least ${MIN_HASH_KEY_CHARS}`, "Use the gateway's TRACKING_HASH_KEY.");
  }
  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(cwd, path));
  // Beside the first input, so it is found where the history is; a directory's is beside the directory.
  const defaultRejects = `${inputs[0].replace(/[\\/]+$/, '')}.rejects.jsonl`;
  return {
    inputs: [...inputs],
    customerId: options.customer,
    format: options.format,
    customersDir: options.customersDir === undefined ? undefined : absolute(options.customersDir),
    // Read as UTF-8 text, exactly as the gateway turns TRACKING_HASH_KEY into its HMAC key.
    hashKey: Buffer.from(options.hashKey, 'utf8'),
    rejectsFile: options.rejects ?? defaultRejects,
    dryRun: Boolean(options.dryRun),
    batchSize: options.batch,
    siteOrigin: options.site === undefined ? undefined : siteOrigin(options.site),
  };
}
