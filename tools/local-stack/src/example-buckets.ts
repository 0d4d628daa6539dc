import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'yaml';
import { LOCAL_S3_CREDENTIALS } from './local-s3';

export interface ExampleBuckets {
  /** Distinct bucket names, sorted. */
  buckets: string[];
  /** Files or values that could not be read; the stack reports them and goes on. */
  problems: string[];
}

export interface BucketReport {
  bucket: string;
  action: 'created' | 'exists';
}

/**
 * The buckets a customer's `s3_export` block (seed 004) writes to through the exporter's
 * S3_ENDPOINT: `client_bucket` unless the block names an `endpoint` of its own, `backup_bucket`
 * unless it names an `endpoint` or a `backup_endpoint`. A block with `enabled: false` writes nowhere.
 */
export function bucketsOfCustomerConfig(document: unknown): { buckets: string[]; problems: string[] } {
  const block = isMapping(document) ? document['s3_export'] : undefined;
  if (!isMapping(block) || block['enabled'] === false) return { buckets: [], problems: [] };
  const buckets: string[] = [];
  const problems: string[] = [];
  const take = (key: string, elsewhere: boolean): void => {
    const value = block[key];
    if (value === undefined || value === null || elsewhere) return;
    if (typeof value === 'string' && value.trim() !== '') buckets.push(value.trim());
    else problems.push(`s3_export.${key} is not a bucket name`);
  };
  take('client_bucket', block['endpoint'] !== undefined);
  take('backup_bucket', block['endpoint'] !== undefined || block['backup_endpoint'] !== undefined);
  return { buckets, problems };
}

/** The buckets of every `<customersDir>/<customer>/config.yaml`; none when no file has the block. */
export function exampleBuckets(customersDir: string): ExampleBuckets {
  const buckets = new Set<string>();
  const problems: string[] = [];
  if (!existsSync(customersDir)) return { buckets: [], problems: [`${customersDir} does not exist`] };
  for (const entry of readdirSync(customersDir, { withFileTypes: true })) {
    const file = join(entry.name, 'config.yaml');
    if (!entry.isDirectory() || entry.name.startsWith('.') || !existsSync(join(customersDir, file))) continue;
    try {
      const found = bucketsOfCustomerConfig(parse(readFileSync(join(customersDir, file), 'utf8')));
      found.buckets.forEach((bucket) => buckets.add(bucket));
      problems.push(...found.problems.map((problem) => `${file}: ${problem}`));
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  return { buckets: [...buckets].sort(), problems };
}

/**
 * Creates the buckets on the stack's own S3 server; one that exists is left as it is.
 */
export async function createBuckets(endpoint: string, buckets: readonly string[]): Promise<BucketReport[]> {
  if (buckets.length === 0) return [];
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: LOCAL_S3_CREDENTIALS });
  try {
    const reports: BucketReport[] = [];
    for (const bucket of buckets) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        reports.push({ bucket, action: 'created' });
      } catch (error) {
        // S3, MinIO and S3Proxy answer BucketAlreadyOwnedByYou for one's own bucket; some servers BucketAlreadyExists.
        const name = (error as Error).name;
        if (name !== 'BucketAlreadyExists' && name !== 'BucketAlreadyOwnedByYou') {
          throw new Error(`bucket ${bucket} could not be created on ${endpoint}: ${name}: ${(error as Error).message}`, { cause: error });
        }
        reports.push({ bucket, action: 'exists' });
      }
    }
    return reports;
  } finally {
    client.destroy();
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
