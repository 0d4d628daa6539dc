import { Injectable } from '@nestjs/common';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { S3Clients } from '../s3/s3-clients';
import type { ExportTarget } from '../targets/export-target';

/** Asks whether a customer's buckets answer again (HeadBucket on each). Throws the first failure. */
@Injectable()
export class BucketProbe {
  constructor(private readonly clients: S3Clients) {}

  async check(target: ExportTarget): Promise<void> {
    for (const bucket of [target.client, target.backup]) {
      if (bucket) await this.clients.for(bucket).send(new HeadBucketCommand({ Bucket: bucket.bucket }));
    }
  }
}
