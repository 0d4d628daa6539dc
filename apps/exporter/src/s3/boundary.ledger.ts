import { Injectable } from '@nestjs/common';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { hourDirectory, manifestKey, objectStem, parseObjectOffsets, partitionKeyPrefix, type ObjectFolder } from '../assembly/object-layout';
import type { WrittenRange } from '../assembly/partition-assembler';
import type { BucketTarget, ExportTarget } from '../targets/export-target';
import { S3Clients } from './s3-clients';

const CACHE_LIMIT = 20_000;

/** Where objects are written first: the backup bucket when there is one, so an object found there may be missing from the client's. */
export function firstWritten(target: ExportTarget): BucketTarget {
  return target.backup ?? target.client;
}

/**
 * The objects already written for a customer, hour and partition, read as the record of where runs
 * closed them (their names hold their first and last offsets): one listing of the bucket written
 * first, kept in memory, plus the objects this process is writing right now and the claims it lost
 * to another owner. An object is complete once it is also in the client's bucket (written last).
 */
@Injectable()
export class BoundaryLedger {
  /** Listings, by bucket and key prefix; dropped after a rebalance, when other members may have written. */
  private readonly listed = new Map<string, Map<bigint, bigint>>();
  /** Objects closed by this process and not yet durable: they will exist with these boundaries and ids, whatever the generation. */
  private readonly inFlight = new Map<string, Map<bigint, { last: bigint; ids: readonly string[] }>>();
  /** Claims another owner holds (learnt when ours was refused): a claim never changes, so they outlive rebalances. */
  private readonly claims = new Map<string, Map<bigint, bigint>>();
  /**
   * Listings being taken, with the objects that became durable meanwhile: the bucket may have been
   * listed before they landed, and once settled they are no longer in flight either. Without them a
   * record of such an object would start a new object with other boundaries (a duplicate export).
   */
  private readonly listingNow = new Map<string, { settled: Map<bigint, bigint>; done: Promise<Map<bigint, bigint>> }>();
  /** Bumped by forgetListings: a listing begun before it may miss what other members wrote since, so it is not cached. */
  private generation = 0;

  constructor(private readonly clients: S3Clients) {}

  /** The written (or being written, or claimed) object that holds `offset`, if any. */
  async containing(target: ExportTarget, topic: string, partition: number, hour: ObjectFolder, offset: bigint): Promise<WrittenRange | undefined> {
    const key = this.cacheKey(target, topic, partition, hour);
    for (const [first, last] of await this.listing(firstWritten(target), key)) {
      if (first > offset || offset > last) continue;
      // Without a backup bucket the bucket written first is the client's: listed there means complete.
      const complete = !target.backup || (await this.listing(target.client, this.clientKey(target, topic, partition, hour))).get(first) === last;
      return { first, last, complete };
    }
    for (const [first, { last }] of this.inFlight.get(key) ?? []) if (first <= offset && offset <= last) return { first, last, complete: false };
    for (const [first, last] of this.claims.get(key) ?? []) if (first <= offset && offset <= last) return { first, last, complete: false };
    return undefined;
  }

  /**
   * The event ids of the written (or being written) objects that start before `offset`, read from
   * their manifests. An object written before manifests existed has none and counts as holding no ids.
   */
  async exportedIds(target: ExportTarget, topic: string, partition: number, hour: ObjectFolder, offset: bigint): Promise<string[]> {
    const key = this.cacheKey(target, topic, partition, hour);
    const bucket = firstWritten(target);
    const ids: string[] = [];
    for (const [first, last] of await this.listing(bucket, key)) {
      if (first >= offset) continue;
      let body: string;
      try {
        const object = await this.clients.for(bucket).send(new GetObjectCommand({ Bucket: bucket.bucket, Key: manifestKey(target.prefix, target.customerId, hour, objectStem(topic, partition, first, last)) }));
        body = (await object.Body?.transformToString('utf8')) ?? '';
      } catch (error) {
        if ((error as Error).name === 'NoSuchKey') continue;
        throw error;
      }
      for (const id of body.split('\n')) if (id) ids.push(id);
    }
    for (const [first, entry] of this.inFlight.get(key) ?? []) if (first < offset) ids.push(...entry.ids);
    return ids;
  }

  /** An object is being written with these boundaries and event ids. */
  writing(target: ExportTarget, topic: string, partition: number, hour: ObjectFolder, range: WrittenRange, ids: readonly string[]): void {
    const key = this.cacheKey(target, topic, partition, hour);
    let ranges = this.inFlight.get(key);
    if (!ranges) this.inFlight.set(key, (ranges = new Map()));
    ranges.set(range.first, { last: range.last, ids });
  }

  /** The write ended: durable (now part of the listing) or not (gone; its records will be cut again). */
  settled(target: ExportTarget, topic: string, partition: number, hour: ObjectFolder, range: WrittenRange, durable: boolean): void {
    const key = this.cacheKey(target, topic, partition, hour);
    const ranges = this.inFlight.get(key);
    ranges?.delete(range.first);
    if (ranges?.size === 0) this.inFlight.delete(key);
    if (!durable) return;
    for (const listingKey of new Set([key, this.clientKey(target, topic, partition, hour)])) {
      this.listed.get(listingKey)?.set(range.first, range.last);
      this.listingNow.get(listingKey)?.settled.set(range.first, range.last);
    }
  }

  /** Another owner claimed the object starting at `range.first` up to `range.last`: records read again are cut there. */
  claimedElsewhere(target: ExportTarget, topic: string, partition: number, hour: ObjectFolder, range: WrittenRange): void {
    const key = this.cacheKey(target, topic, partition, hour);
    let ranges = this.claims.get(key);
    if (!ranges) this.claims.set(key, (ranges = new Map()));
    ranges.set(range.first, range.last);
    if (this.claims.size > CACHE_LIMIT) this.claims.delete(this.claims.keys().next().value as string);
    // Its copies may land at any time: the next look lists again.
    this.listed.delete(key);
    this.listed.delete(this.clientKey(target, topic, partition, hour));
  }

  /** Forgets the listings (not the writes in flight), e.g. after a rebalance. */
  forgetListings(): void {
    this.listed.clear();
    this.listingNow.clear();
    this.generation += 1;
  }

  private cacheKey(target: ExportTarget, topic: string, partition: number, hour: ObjectFolder): string {
    return `${firstWritten(target).bucket}|${partitionKeyPrefix(hourDirectory(target.prefix, target.customerId, hour), topic, partition)}`;
  }

  private clientKey(target: ExportTarget, topic: string, partition: number, hour: ObjectFolder): string {
    return `${target.client.bucket}|${partitionKeyPrefix(hourDirectory(target.prefix, target.customerId, hour), topic, partition)}`;
  }

  private listing(bucket: BucketTarget, key: string): Promise<Map<bigint, bigint>> {
    const cached = this.listed.get(key);
    if (cached) return Promise.resolve(cached);
    const taking = this.listingNow.get(key);
    if (taking) return taking.done;
    const settled = new Map<bigint, bigint>();
    const done = this.list(bucket, key, settled);
    this.listingNow.set(key, { settled, done });
    return done;
  }

  /** `settled` receives the objects that become durable while the bucket is listed. */
  private async list(bucket: BucketTarget, key: string, settled: Map<bigint, bigint>): Promise<Map<bigint, bigint>> {
    const keyPrefix = key.slice(key.indexOf('|') + 1);
    const generation = this.generation;
    const boundaries = new Map<bigint, bigint>();
    try {
      let continuationToken: string | undefined;
      do {
        const page = await this.clients.for(bucket).send(new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: keyPrefix, ContinuationToken: continuationToken }));
        for (const object of page.Contents ?? []) {
          const offsets = object.Key ? parseObjectOffsets(object.Key, keyPrefix) : undefined;
          if (offsets) boundaries.set(offsets.first, offsets.last);
        }
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (continuationToken);
      for (const [first, last] of settled) boundaries.set(first, last);
    } finally {
      if (this.listingNow.get(key)?.settled === settled) this.listingNow.delete(key);
    }
    if (generation === this.generation) {
      if (this.listed.size >= CACHE_LIMIT) this.listed.delete(this.listed.keys().next().value as string);
      this.listed.set(key, boundaries);
    }
    return boundaries;
  }
}
