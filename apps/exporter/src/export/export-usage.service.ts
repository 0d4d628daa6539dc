import { Inject, Injectable } from '@nestjs/common';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { customerKeyPrefixes } from '../assembly/object-layout';
import { EXPORT_TARGETS } from '../exporter.tokens';
import { S3Clients } from '../s3/s3-clients';
import type { BucketTarget } from '../targets/export-target';
import type { ExportTargets } from '../targets/export-targets';

export interface BucketUsage {
  bucket: string;
  objects: number;
  bytes: number;
}

/** What a customer's export holds, as S3 lists it now. */
export interface ExportUsage {
  customer_id: string;
  client: BucketUsage;
  /** Null without a backup bucket. */
  backup: BucketUsage | null;
  /** Client and backup together (a backup bucket that is the client bucket counted once). */
  total_bytes: number;
  measured_at: string;
}

/**
 * Measures a customer's export by listing its keys in its buckets (issue 23, usage against
 * storage_quota_gb). Listing rather than adding up what this instance wrote: counters in memory
 * start at zero on every restart and differ per instance, a listing is the same from any of them
 * and includes what earlier runs, replays and other instances wrote.
 */
@Injectable()
export class ExportUsageService {
  constructor(
    @Inject(EXPORT_TARGETS) private readonly exportTargets: ExportTargets,
    private readonly clients: S3Clients,
  ) {}

  /** Undefined when the customer has no export. */
  async usage(customerId: string): Promise<ExportUsage | undefined> {
    const target = this.exportTargets.targets.get(customerId);
    if (!target) return undefined;
    const prefixes = customerKeyPrefixes(target.prefix, customerId);
    const client = await this.bucketUsage(target.client, prefixes);
    const sameBucket = target.backup && target.backup.bucket === target.client.bucket && target.backup.endpoint === target.client.endpoint;
    const backup = target.backup ? (sameBucket ? client : await this.bucketUsage(target.backup, prefixes)) : null;
    return {
      customer_id: customerId,
      client,
      backup,
      total_bytes: client.bytes + (backup && !sameBucket ? backup.bytes : 0),
      measured_at: new Date().toISOString(),
    };
  }

  private async bucketUsage(bucket: BucketTarget, prefixes: readonly string[]): Promise<BucketUsage> {
    const s3 = this.clients.for(bucket);
    let objects = 0;
    let bytes = 0;
    for (const prefix of prefixes) {
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: prefix, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          objects += 1;
          bytes += object.Size ?? 0;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
    return { bucket: bucket.bucket, objects, bytes };
  }
}
