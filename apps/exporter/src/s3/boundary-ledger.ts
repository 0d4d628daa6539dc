import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { hourDirectory, parseObjectOffsets, partitionKeyPrefix, type EventHour } from '../assembly/object-layout';
import type { ExportTarget } from '../targets/export-target';
import type { S3Clients } from './s3-clients';

const CACHE_LIMIT = 20_000;

/**
 * The objects already in a customer's bucket, read as the record of where earlier runs closed them:
 * their names hold their first and last offsets. One listing per customer, hour and partition, then
 * kept in memory and updated with what this process writes.
 */
export class BoundaryLedger {
  private readonly cache = new Map<string, Map<bigint, bigint>>();

  constructor(private readonly clients: S3Clients) {}

  async lastOffset(target: ExportTarget, topic: string, partition: number, hour: EventHour, first: bigint): Promise<bigint | undefined> {
    const listing = await this.listing(target, topic, partition, hour);
    return listing.get(first);
  }

  /** Remembers an object this process wrote. */
  written(target: ExportTarget, topic: string, partition: number, hour: EventHour, first: bigint, last: bigint): void {
    this.cache.get(this.cacheKey(target, topic, partition, hour))?.set(first, last);
  }

  /** Forgets everything, e.g. after a rebalance, when another member may have written our partitions. */
  forgetAll(): void {
    this.cache.clear();
  }

  private cacheKey(target: ExportTarget, topic: string, partition: number, hour: EventHour): string {
    return `${target.client.bucket}|${partitionKeyPrefix(hourDirectory(target.prefix, target.customerId, hour), topic, partition)}`;
  }

  private async listing(target: ExportTarget, topic: string, partition: number, hour: EventHour): Promise<Map<bigint, bigint>> {
    const key = this.cacheKey(target, topic, partition, hour);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const keyPrefix = partitionKeyPrefix(hourDirectory(target.prefix, target.customerId, hour), topic, partition);
    const boundaries = new Map<bigint, bigint>();
    let continuationToken: string | undefined;
    do {
      const page = await this.clients.for(target.client).send(
        new ListObjectsV2Command({ Bucket: target.client.bucket, Prefix: keyPrefix, ContinuationToken: continuationToken }),
      );
      for (const object of page.Contents ?? []) {
        const offsets = object.Key ? parseObjectOffsets(object.Key, keyPrefix) : undefined;
        if (offsets) boundaries.set(offsets.first, offsets.last);
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, boundaries);
    return boundaries;
  }
}
