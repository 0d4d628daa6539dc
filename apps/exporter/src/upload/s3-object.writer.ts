import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { siteDomainOf, type TrackingEvent } from '@tracking/contracts';
import { claimKey, hourDirectory, manifestKey, meteringKey, objectStem, siteFolder } from '../assembly/object-layout';
import type { AssembledObject } from '../assembly/partition-assembler';
import { encodeEvents } from '../formats';
import { firstWritten } from '../s3/boundary.ledger';
import { S3Clients } from '../s3/s3-clients';
import { ExporterErasures } from '../privacy/exporter-erasures';
import type { ExportTarget } from '../targets/export-target';

export interface WrittenObject {
  key: string;
  bytes: number;
  /** Hex MD5 of the body: the ETag S3 gives a single-part upload. */
  md5: string;
  /** Events per site domain (host of the page URL); events without one count under "". */
  domains: Map<string, number>;
  /** Events per site (their site_id, which selectForExport set); events without one count under `_none`. */
  sites: Map<string, number>;
  /** The first event of each site domain, in the object's order: what the site-domain registry learns from. */
  domainFirsts: TrackingEvent[];
  /** The events written: the object's, without those of subjects erased when it was encoded. */
  kept: TrackingEvent[];
}

/** What claiming an object's first offset found: it is ours (or the same object), or another owner ends it elsewhere. */
export type ClaimOutcome = { kind: 'ours' } | { kind: 'claimed'; last: bigint };

/** S3 refuses a conditional write because the key exists (412). */
function keyExists(error: unknown): boolean {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return failure.name === 'PreconditionFailed' || failure.$metadata?.httpStatusCode === 412;
}

/** Sorted by code point (no locale), so a metering record is byte-identical on every run and machine. */
function sortedObject(counts: Iterable<[string, number]>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The metering record's counts of an object's events (erasure rewrites them with the same function):
 * events per site domain, sorted so that the record is byte-identical on every run, and every event
 * under its site, `_none` without one (these add up to `records`).
 */
export function meteringCounts(domains: ReadonlyMap<string, number>, sites: ReadonlyMap<string, number>): { site_domains: Record<string, number>; sites: Record<string, number> } {
  return {
    site_domains: Object.fromEntries([...domains].filter(([domain]) => domain !== '').sort(([a], [b]) => a.localeCompare(b))),
    sites: sortedObject(sites),
  };
}

/** `compute` once per distinct key: an object's events share a few pages and sites, and parsing a URL per event was a tenth of writing one. */
function memoized<K, V>(compute: (key: K) => V): (key: K) => V {
  const known = new Map<K, V>();
  return (key) => {
    if (known.has(key)) return known.get(key) as V;
    const value = compute(key);
    known.set(key, value);
    return value;
  };
}

/** Events per site domain and per site folder, and the first event of each domain. */
export function countDomainsAndSites(events: readonly TrackingEvent[]): { domains: Map<string, number>; sites: Map<string, number>; domainFirsts: TrackingEvent[] } {
  const domainOf = memoized((pageUrl: string | null) => siteDomainOf({ page_url: pageUrl }) ?? '');
  const folderOf = memoized(siteFolder);
  const domains = new Map<string, number>();
  const sites = new Map<string, number>();
  const domainFirsts: TrackingEvent[] = [];
  for (const event of events) {
    const domain = domainOf(event.page_url);
    const seen = domains.get(domain);
    if (seen === undefined && domain !== '') domainFirsts.push(event);
    domains.set(domain, (seen ?? 0) + 1);
    const site = folderOf(event.site_id);
    sites.set(site, (sites.get(site) ?? 0) + 1);
  }
  return { domains, sites, domainFirsts };
}

/**
 * Writes one object: its manifest of event ids first (in the bucket written first, where later runs
 * find objects), then the backup copy and its metering record, the client's copy last. The client's
 * bucket is where later runs look for boundaries, so an object found there is complete in both
 * places. Every body is a function of the records alone: writing again writes the same bytes.
 *
 * Every write is conditional (If-None-Match: *): a key that exists already holds these bytes (its
 * name fixes its records), so it is kept, not written again: no new version, no second event
 * notification for the customer.
 *
 * The events of erased subjects (issue 20) are left out of every body, the manifest and the metering
 * record, while the object keeps its name and offsets: the erasure list decides what an object holds,
 * never where it starts or ends. An object whose every event is erased is written empty (a header-only
 * CSV, a Parquet file without rows, an Avro file without blocks, an empty JSON Lines file), so its name
 * still records its boundary for the next owner and for replays, exactly as if it held events.
 */
@Injectable()
export class S3ObjectWriter {
  constructor(
    private readonly clients: S3Clients,
    private readonly erasures: ExporterErasures,
  ) {}

  /**
   * Claims the object's first offset before any copy is written (see claimKey). Ours when no claim
   * existed or the existing one ends where this object ends (a run before cut the same object).
   */
  async claim(target: ExportTarget, object: AssembledObject): Promise<ClaimOutcome> {
    const bucket = firstWritten(target);
    const key = claimKey(target.prefix, target.customerId, object.hour, object.topic, object.partition, object.first);
    try {
      await this.clients.for(bucket).send(
        new PutObjectCommand({ Bucket: bucket.bucket, Key: key, Body: `${object.last}\n`, ContentType: 'text/plain; charset=utf-8', IfNoneMatch: '*' }),
      );
      return { kind: 'ours' };
    } catch (error) {
      if (!keyExists(error)) throw error;
    }
    const existing = await this.clients.for(bucket).send(new GetObjectCommand({ Bucket: bucket.bucket, Key: key }));
    const last = BigInt(((await existing.Body?.transformToString('utf8')) ?? '').trim());
    return last === object.last ? { kind: 'ours' } : { kind: 'claimed', last };
  }

  async write(target: ExportTarget, object: AssembledObject): Promise<WrittenObject> {
    const stem = objectStem(object.topic, object.partition, object.first, object.last);
    const kept = object.events.filter((event) => !this.erasures.erased(target.customerId, event));
    const encoded = encodeEvents(kept, target.format, target.compression, stem, target.columns);
    const key = `${hourDirectory(target.prefix, target.customerId, object.hour)}${stem}.${encoded.extension}`;
    const md5 = createHash('md5').update(encoded.body).digest();
    const { domains, sites, domainFirsts } = countDomainsAndSites(kept);
    // No Content-Encoding for .gz objects: HTTP clients would unzip them on download, so a file named .gz would arrive plain.
    // The object's MD5 is computed once for its copies and its metering record, not once per body sent.
    const put = async (bucket: ExportTarget['client'], objectKey: string, body: Buffer, contentType: string, bodyMd5 = createHash('md5').update(body).digest()): Promise<void> => {
      try {
        await this.clients.for(bucket).send(
          new PutObjectCommand({
            Bucket: bucket.bucket,
            Key: objectKey,
            Body: body,
            ContentType: contentType,
            ContentMD5: bodyMd5.toString('base64'),
            Metadata: { records: String(kept.length), 'first-offset': object.first.toString(), 'last-offset': object.last.toString() },
            IfNoneMatch: '*',
          }),
        );
      } catch (error) {
        if (!keyExists(error)) throw error;
      }
    };

    const manifest = kept.map((event) => `${event.event_id}\n`).join('');
    await put(firstWritten(target), manifestKey(target.prefix, target.customerId, object.hour, stem), Buffer.from(manifest, 'utf8'), 'text/plain; charset=utf-8');
    if (target.backup) {
      await put(target.backup, key, encoded.body, encoded.contentType, md5);
      const metering = {
        customer_id: target.customerId,
        object_key: key,
        topic: object.topic,
        partition: object.partition,
        first_offset: object.first.toString(),
        last_offset: object.last.toString(),
        event_date: object.hour.dt,
        event_hour: object.hour.hour,
        records: kept.length,
        bytes: encoded.body.length,
        md5: md5.toString('hex'),
        ...meteringCounts(domains, sites),
      };
      await put(target.backup, meteringKey(target.prefix, target.customerId, object.hour, stem), Buffer.from(`${JSON.stringify(metering)}\n`), 'application/json');
    }
    await put(target.client, key, encoded.body, encoded.contentType, md5);
    return { key, bytes: encoded.body.length, md5: md5.toString('hex'), domains, sites, domainFirsts, kept };
  }
}
