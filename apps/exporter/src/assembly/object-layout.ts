/** Where an object goes: `<prefix>/customer=<id>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<first>-<last>.<ext>`. */

export interface EventHour {
  /** YYYY-MM-DD of the event's own time, UTC. */
  dt: string;
  /** 00-23. */
  hour: string;
  /** Epoch milliseconds of the hour's start. */
  start: number;
}

const HOUR_MS = 3_600_000;

export function eventHour(occurredAt: number): EventHour {
  const start = Math.floor(occurredAt / HOUR_MS) * HOUR_MS;
  const iso = new Date(start).toISOString();
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13), start };
}

// Zero-padded like the Confluent S3 sink's offsets, so a listing sorts objects in log order.
const OFFSET_WIDTH = 10;

function padded(offset: bigint): string {
  return offset.toString().padStart(OFFSET_WIDTH, '0');
}

export function hourDirectory(prefix: string, customerId: string, hour: EventHour): string {
  return `${prefix ? `${prefix}/` : ''}customer=${customerId}/dt=${hour.dt}/hour=${hour.hour}/`;
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
export function meteringKey(prefix: string, customerId: string, hour: EventHour, stem: string): string {
  return `${prefix ? `${prefix}/` : ''}_metering/customer=${customerId}/dt=${hour.dt}/hour=${hour.hour}/${stem}.json`;
}

/**
 * The event ids of an object, one a line in the object's order, in the bucket written first (beside
 * the metering records when there is a backup bucket). A later run reads them to skip a record whose
 * event id an earlier object of the same customer, hour and partition already holds.
 */
export function manifestKey(prefix: string, customerId: string, hour: EventHour, stem: string): string {
  return `${prefix ? `${prefix}/` : ''}_manifests/customer=${customerId}/dt=${hour.dt}/hour=${hour.hour}/${stem}.ids`;
}

/**
 * The claim of the object that starts at `first`: written once, conditionally (If-None-Match), before
 * any of the object's copies, and holding its last offset. Whoever claims a first offset decides where
 * that object ends; an owner that loses the claim cuts its records at the claimed boundary instead, so
 * two owners (one of them late, after a rebalance) never write overlapping objects.
 */
export function claimKey(prefix: string, customerId: string, hour: EventHour, topic: string, partition: number, first: bigint): string {
  return `${prefix ? `${prefix}/` : ''}_claims/customer=${customerId}/dt=${hour.dt}/hour=${hour.hour}/${topic}+${partition}+${padded(first)}`;
}
