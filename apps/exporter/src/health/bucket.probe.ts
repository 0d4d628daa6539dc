import { Injectable } from '@nestjs/common';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { S3Clients } from '../s3/s3-clients';
import type { ExportTarget } from '../targets/export-target';

/** A bucket did not answer a probe; the message says which bucket and how. */
export class BucketProbeError extends Error {
  override readonly name = 'BucketProbeError';
}

/**
 * HEAD answers carry no body, so the AWS SDK names an error status it cannot parse "Unknown:
 * UnknownError"; the HTTP status says more to an operator.
 */
function describe(error: Error & { $metadata?: { httpStatusCode?: number } }): string {
  const status = error.$metadata?.httpStatusCode;
  if (status !== undefined && /^Unknown/.test(error.name)) return `HTTP ${status}`;
  return `${error.name}: ${error.message}`;
}

/** Asks whether a customer's buckets answer again (HeadBucket on each). Throws the first failure. */
@Injectable()
export class BucketProbe {
  constructor(private readonly clients: S3Clients) {}

  async check(target: ExportTarget): Promise<void> {
    for (const bucket of [target.client, target.backup]) {
      if (!bucket) continue;
      try {
        await this.clients.for(bucket).send(new HeadBucketCommand({ Bucket: bucket.bucket }));
      } catch (error) {
        throw new BucketProbeError(`bucket ${bucket.bucket}: ${describe(error as Error)}`, { cause: error });
      }
    }
  }
}
