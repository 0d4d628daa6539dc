/**
 * Where an object goes: `<prefix>/customer=<id>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<first>-<last>.<ext>`,
 * or, with `split_by_site`, `<prefix>/customer=<id>/site=<site>/dt=…/hour=…/…`: the site's folder comes
 * before the dates so that one prefix holds everything of a site (an agency hands it to its client
 * as it is, an IAM policy grants it as one prefix). The claims, manifests and metering records of a
 * split customer carry the same `site=<site>/` segment, so each site's objects are cut, claimed and
 * deduplicated on their own, exactly as a customer's are.
 */

export interface EventHour {
  /** YYYY-MM-DD of the event's own time, UTC. */
  dt: string;
  /** 00-23. */
  hour: string;
  /** Epoch milliseconds of the hour's start. */
  start: number;
}

/**
 * The folder an object belongs in beside its customer: its event hour and, when the customer splits
 * by site, the site's folder name (siteFolder). Objects of different folders never share records.
 */
export interface ObjectFolder extends EventHour {
  site?: string;
}

/**
 * The `site=` folder of a record whose site is `siteId`. A record with no site (no page and no key
 * site: server events) goes to `site=_none`: a declared site id starts with a letter or digit and a
 * discovered one is a host name, so `_none` is never a real site's folder.
 *
 * Every site the gateway writes (declared ids, host names, IPv6 hosts, `host:` ids) is kept as it is.
 * A site_id from anywhere else (a producer writing to the topic directly) is percent-encoded outside
 * that alphabet, a leading `_` or a dot-only name included, so it can neither leave its folder nor
 * land in `_none`, and the same id always gives the same folder.
 */
export function siteFolder(siteId: string | null | undefined): string {
  if (siteId === null || siteId === undefined) return NO_SITE;
  const safe = siteId.replace(/[^A-Za-z0-9._:-]/gu, percentEncoded);
  if (/^\.*$/.test(safe)) return safe.replace(/\./g, percentEncoded) || percentEncoded('_');
  return safe.startsWith('_') ? `${percentEncoded('_')}${safe.slice(1)}` : safe;
}

function percentEncoded(char: string): string {
  return [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

export const NO_SITE = '_none';

const HOUR_MS = 3_600_000;

/** The hour last formatted: a partition's records come in about time order, so most share it with the record before. */
let lastHour: EventHour = { dt: '1970-01-01', hour: '00', start: 0 };

export function eventHour(occurredAt: number): EventHour {
  const start = Math.floor(occurredAt / HOUR_MS) * HOUR_MS;
  if (start !== lastHour.start) {
    const iso = new Date(start).toISOString();
    lastHour = { dt: iso.slice(0, 10), hour: iso.slice(11, 13), start };
  }
  // A copy: callers extend it (with a site) and keep it.
  return { ...lastHour };
}

// Zero-padded like the Confluent S3 sink's offsets, so a listing sorts objects in log order.
const OFFSET_WIDTH = 10;

function padded(offset: bigint): string {
  return offset.toString().padStart(OFFSET_WIDTH, '0');
}

/** Every object of one customer (not its manifests, metering records or claims, which live under `_…/`). */
export function customerDirectory(prefix: string, customerId: string): string {
  return `${prefix ? `${prefix}/` : ''}customer=${customerId}/`;
}

/** `customer=<id>/[site=<site>/]dt=…/hour=…/`: the folders below the prefix, the same in every key kind. */
function folderPath(customerId: string, hour: ObjectFolder): string {
  return `customer=${customerId}/${hour.site === undefined ? '' : `site=${hour.site}/`}dt=${hour.dt}/hour=${hour.hour}/`;
}

export function hourDirectory(prefix: string, customerId: string, hour: ObjectFolder): string {
  return `${prefix ? `${prefix}/` : ''}${folderPath(customerId, hour)}`;
}

/** The key without extension: also the Avro sync-marker seed, so it must not change for the same records. */
export function objectStem(topic: string, partition: number, first: bigint, last: bigint): string {
  return `${topic}+${partition}+${padded(first)}-${padded(last)}`;
}

/** Every object of this topic partition in an hour directory starts with this. */
export function partitionKeyPrefix(directory: string, topic: string, partition: number): string {
  return `${directory}${topic}+${partition}+`;
}

/** First and last offset from a key written by this layout; undefined for anything else in the directory. */
export function parseObjectOffsets(key: string, keyPrefix: string): { first: bigint; last: bigint } | undefined {
  if (!key.startsWith(keyPrefix)) return undefined;
  const match = /^(\d+)-(\d+)\./.exec(key.slice(keyPrefix.length));
  return match ? { first: BigInt(match[1]), last: BigInt(match[2]) } : undefined;
}

/** The metering record of an object, kept beside it in the backup bucket. */
export function meteringKey(prefix: string, customerId: string, hour: ObjectFolder, stem: string): string {
  return `${prefix ? `${prefix}/` : ''}_metering/${folderPath(customerId, hour)}${stem}.json`;
}

/**
 * The event ids of an object, one a line in the object's order, in the bucket written first (beside
 * the metering records when there is a backup bucket). A later run reads them to skip a record whose
 * event id an earlier object of the same customer, hour and partition already holds.
 */
export function manifestKey(prefix: string, customerId: string, hour: ObjectFolder, stem: string): string {
  return `${prefix ? `${prefix}/` : ''}_manifests/${folderPath(customerId, hour)}${stem}.ids`;
}

/**
 * The claim of the object that starts at `first`: written once, conditionally (If-None-Match), before
 * any of the object's copies, and holding its last offset. Whoever claims a first offset decides where
 * that object ends; an owner that loses the claim cuts its records at the claimed boundary instead, so
 * two owners (one of them late, after a rebalance) never write overlapping objects.
 */
export function claimKey(prefix: string, customerId: string, hour: ObjectFolder, topic: string, partition: number, first: bigint): string {
  return `${prefix ? `${prefix}/` : ''}_claims/${folderPath(customerId, hour)}${topic}+${partition}+${padded(first)}`;
}

/**
 * Every key prefix under which the layout writes a customer's keys (objects, metering records,
 * manifests, claims): listing these finds all of the customer's bytes in a bucket, and nothing of
 * another customer sharing the bucket and prefix.
 */
export function customerKeyPrefixes(prefix: string, customerId: string): string[] {
  const root = prefix ? `${prefix}/` : '';
  return ['', '_metering/', '_manifests/', '_claims/'].map((kind) => `${root}${kind}customer=${customerId}/`);
}
