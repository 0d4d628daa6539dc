import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { TrackingEvent } from '@tracking/contracts';
import { customerDirectory, manifestKey, meteringKey, type ObjectFolder } from '../assembly/object-layout';
import { formatOfKey } from '../formats/decode-events';
import { firstWritten } from '../s3/boundary.ledger';
import { S3Clients } from '../s3/s3-clients';
import type { BucketTarget, ExportTarget } from '../targets/export-target';
import { countDomainsAndSites, meteringCounts } from '../upload/s3-object.writer';
import { rewriteObject, stemOfKey, type ErasedEvent, type ObjectRewrite } from './object-rewrite';

/** What rewriting found and did; records are counted once however many copies held them. */
export interface RewriteTally {
  /** Objects read (each key once, whichever buckets hold it). */
  objectsScanned: number;
  /** Objects that held events to remove, and were rewritten. */
  objectsRewritten: number;
  /** Records of the counted subjects found, and removed. */
  recordsFound: number;
  recordsRemoved: number;
  /** Records of any erased subject removed (the request's and earlier ones'). */
  erasedRemoved: number;
  /** Objects written without both visitor_id and user_id (`s3_export.fields`): whose records they hold cannot be told. */
  objectsUnmatchable: number;
}

export const emptyTally = (): RewriteTally => ({ objectsScanned: 0, objectsRewritten: 0, recordsFound: 0, recordsRemoved: 0, erasedRemoved: 0, objectsUnmatchable: 0 });

/** The object changed between read and write (another rewrite, a late writer): the caller tries again. */
export class ObjectChangedError extends Error {
  override readonly name = 'ObjectChangedError';
  readonly retriable = true;
}

interface ObjectLocation {
  folder: ObjectFolder;
  stem: string;
}

/** Where an object key of this layout lives: its folder (site, event hour) and stem; undefined for any other key. */
function locate(key: string): ObjectLocation | undefined {
  const format = formatOfKey(key);
  const match = /(?:^|\/)customer=[^/]+\/(?:site=([^/]+)\/)?dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/[^/]+$/.exec(key);
  if (!format || !match) return undefined;
  const [, site, dt, hour] = match as unknown as [string, string | undefined, string, string];
  return { folder: { dt, hour, start: Date.parse(`${dt}T${hour}:00:00.000Z`), ...(site === undefined ? {} : { site }) }, stem: stemOfKey(key, format.extension) };
}

function isMissing(error: unknown): boolean {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return failure.name === 'NoSuchKey' || failure.$metadata?.httpStatusCode === 404;
}

function isPreconditionFailed(error: unknown): boolean {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return failure.name === 'PreconditionFailed' || failure.$metadata?.httpStatusCode === 412;
}

/** How many S3 objects are read and rewritten at once for one customer. */
const CONCURRENCY = 4;

/**
 * Writes a customer's exported objects again without erased subjects' events (issue 20), in both
 * buckets and in whatever format each object was written (its extension), with its manifest and
 * metering record to match. The object keeps its key, so its boundary stays recorded, and its new
 * bytes are what a run that knew the erasure from the start writes (object-rewrite.ts): rewriting is
 * idempotent, and a later replay finds the object complete and leaves it.
 *
 * Per object: the manifest first, then the metering record, then each copy, each copy only if it still
 * holds what was read (If-Match on its ETag). A failure part-way leaves the copies holding the events,
 * so the next attempt finds them and does it all again.
 */
@Injectable()
export class ErasureRewriter {
  constructor(private readonly clients: S3Clients) {}

  /**
   * Every object of the customer in its client and backup buckets. `erased`: what to remove; `counted`:
   * the subjects whose records are counted as found and removed (one request's).
   */
  async rewriteCustomer(target: ExportTarget, erased: ErasedEvent, counted: ErasedEvent): Promise<RewriteTally> {
    const keys = new Set<string>();
    for (const bucket of this.buckets(target)) for (const key of await this.list(bucket, customerDirectory(target.prefix, target.customerId))) if (locate(key)) keys.add(key);
    const tally = emptyTally();
    const queue = [...keys].sort();
    const worker = async (): Promise<void> => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) await this.rewriteKey(target, key, erased, counted, tally);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    return tally;
  }

  /** One object, in every bucket that holds it. */
  async rewriteKey(target: ExportTarget, key: string, erased: ErasedEvent, counted: ErasedEvent, tally: RewriteTally = emptyTally()): Promise<RewriteTally> {
    const location = locate(key);
    if (!location) throw new Error(`${key} is not an exported object`);
    const copies: Array<{ bucket: BucketTarget; etag?: string; contentType?: string; metadata?: Record<string, string>; rewrite: ObjectRewrite }> = [];
    for (const bucket of this.buckets(target)) {
      let object;
      try {
        object = await this.clients.for(bucket).send(new GetObjectCommand({ Bucket: bucket.bucket, Key: key }));
      } catch (error) {
        if (isMissing(error)) continue;
        throw error;
      }
      const body = Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
      copies.push({ bucket, etag: object.ETag, contentType: object.ContentType, metadata: object.Metadata, rewrite: await rewriteObject(key, body, erased) });
    }
    tally.objectsScanned += 1;
    if (copies.some((copy) => copy.rewrite.kind === 'unchanged' && !copy.rewrite.matchable)) tally.objectsUnmatchable += 1;
    const changed = copies.filter((copy) => copy.rewrite.kind === 'rewritten');
    const first = changed[0]?.rewrite;
    if (!first || first.kind !== 'rewritten') return tally;

    const removed = new Map<string, TrackingEvent>();
    for (const copy of changed) if (copy.rewrite.kind === 'rewritten') for (const event of copy.rewrite.removed) removed.set(event.event_id, event);
    const mine = [...removed.values()].filter(counted).length;

    const { kept, body } = first;
    const put = (bucket: BucketTarget, objectKey: string, content: Buffer, contentType: string, extra: Partial<{ IfMatch: string; Metadata: Record<string, string> }> = {}) =>
      this.clients.for(bucket).send(
        new PutObjectCommand({ Bucket: bucket.bucket, Key: objectKey, Body: content, ContentType: contentType, ContentMD5: createHash('md5').update(content).digest('base64'), ...extra }),
      );
    await put(firstWritten(target), manifestKey(target.prefix, target.customerId, location.folder, location.stem), Buffer.from(kept.map((event) => `${event.event_id}\n`).join(''), 'utf8'), 'text/plain; charset=utf-8');
    if (target.backup) await this.updateMetering(target, target.backup, location, kept, body);
    for (const copy of changed) {
      try {
        await put(copy.bucket, key, body, copy.contentType ?? 'application/octet-stream', {
          ...(copy.etag ? { IfMatch: copy.etag } : {}),
          Metadata: { ...copy.metadata, records: String(kept.length) },
        });
      } catch (error) {
        if (isPreconditionFailed(error)) throw new ObjectChangedError(`${copy.bucket.bucket}/${key} changed while it was rewritten`, { cause: error });
        throw error;
      }
    }
    tally.objectsRewritten += 1;
    tally.recordsFound += mine;
    tally.recordsRemoved += mine;
    tally.erasedRemoved += removed.size;
    return tally;
  }

  /** The metering record beside the object: its counts, size, checksum and domains of what it now holds. */
  private async updateMetering(target: ExportTarget, backup: BucketTarget, location: ObjectLocation, kept: readonly TrackingEvent[], body: Buffer): Promise<void> {
    const key = meteringKey(target.prefix, target.customerId, location.folder, location.stem);
    let record: Record<string, unknown>;
    try {
      const object = await this.clients.for(backup).send(new GetObjectCommand({ Bucket: backup.bucket, Key: key }));
      record = JSON.parse((await object.Body?.transformToString('utf8')) ?? '{}') as Record<string, unknown>;
    } catch (error) {
      // An object written without one (before metering existed): nothing to correct.
      if (isMissing(error)) return;
      throw error;
    }
    const { domains, sites } = countDomainsAndSites(kept);
    // Same keys in the same order as the writer's, so the record is what a run that knew the erasure writes.
    const updated = {
      ...record,
      records: kept.length,
      bytes: body.length,
      md5: createHash('md5').update(body).digest('hex'),
      ...meteringCounts(domains, sites),
    };
    const content = Buffer.from(`${JSON.stringify(updated)}\n`);
    await this.clients.for(backup).send(
      new PutObjectCommand({ Bucket: backup.bucket, Key: key, Body: content, ContentType: 'application/json', ContentMD5: createHash('md5').update(content).digest('base64') }),
    );
  }

  /** The backup bucket first, as the writer does; once when both name the same bucket (it would be rewritten twice, the second time refused). */
  private buckets(target: ExportTarget): BucketTarget[] {
    const { backup, client } = target;
    if (!backup || (backup.bucket === client.bucket && backup.endpoint === client.endpoint)) return [client];
    return [backup, client];
  }

  /** Every key under the prefix. */
  async list(bucket: BucketTarget, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.clients.for(bucket).send(new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: prefix, ContinuationToken: continuationToken }));
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return keys;
  }
}
