import type { TrackingEvent } from '@tracking/contracts';
import { eventHour, type ObjectFolder } from './object-layout';

export interface AssemblyLimits {
  /** An object closes when it holds this many records... */
  maxRecords: number;
  /** ...or this many bytes of encoded input records. */
  maxBytes: number;
  /** A record this much later (event time) than an open object's hour closes that object. */
  latenessMs: number;
}

export interface IncomingRecord {
  offset: bigint;
  customerId: string;
  event: TrackingEvent;
  /** Bytes of the record as consumed: deterministic, unlike the encoded object's size. */
  size: number;
  /** The record's log timestamp (epoch ms): every owner of the partition reads the same one. */
  timestamp: number;
  /**
   * The site folder of the record (siteFolder) when its customer splits objects by site: a function
   * of the record and the customer's configuration, so every owner puts it in the same object.
   */
  site?: string;
  /**
   * Its subject is erased (issue 20). It still takes its place in its object, counting towards the
   * object's records and bytes like any record, so the erasure list never moves a boundary: the writer
   * leaves it out of the bytes. It is never taken for a duplicate, nor are its ids kept: the manifests
   * hold no erased ids, so every run decides alike whichever way it learnt them.
   */
  erased?: boolean;
}

export type CloseReason = 'records' | 'bytes' | 'event_time' | 'schedule' | 'flush' | 'ledger';

export interface AssembledObject {
  customerId: string;
  topic: string;
  partition: number;
  hour: ObjectFolder;
  first: bigint;
  last: bigint;
  events: TrackingEvent[];
  /** Input bytes of its records. */
  bytes: number;
  reason: CloseReason;
}

/** An object an earlier run (or this one) wrote or is writing: its first and last offset. */
export interface WrittenRange {
  first: bigint;
  last: bigint;
  /**
   * True when the object is durable in every bucket: its records are skipped without writing it
   * again. False when it is being written, claimed or only partly written: it is cut again with
   * these boundaries and written (the writes are conditional, so an existing copy is kept).
   */
  complete?: boolean;
}

/**
 * The written object of this customer and hour that holds `offset` (first <= offset <= last), if
 * any. Throws when the customer's bucket cannot be asked.
 */
export type BoundaryLookup = (customerId: string, hour: ObjectFolder, offset: bigint) => Promise<WrittenRange | undefined>;

/**
 * The event ids held by the written (or being written) objects of this customer and hour that start
 * before `offset`. Throws when the customer's bucket cannot be asked.
 */
export type ExportedIdsLookup = (customerId: string, hour: ObjectFolder, offset: bigint) => Promise<Iterable<string>>;

/** One open object (and one set of exported ids) per customer, site folder and event hour. */
function folderKey(customerId: string, hour: ObjectFolder): string {
  return hour.site === undefined ? `${customerId}|${hour.start}` : `${customerId}|${hour.start}|${hour.site}`;
}

interface OpenObject {
  customerId: string;
  hour: ObjectFolder;
  first: bigint;
  last: bigint;
  events: TrackingEvent[];
  bytes: number;
  /** Log timestamp of its first record: its schedule runs from here, the same for every owner. */
  openedAt: number;
  /** Set when an earlier run wrote this object: it closes exactly there, whatever the rules say. */
  knownLast?: bigint;
}

/**
 * Cuts one topic partition's records into objects per customer and event hour (and site folder, for
 * a customer that splits by site: each folder is cut, looked up and deduplicated on its own, as if it
 * were a customer of its own). Every rule that closes
 * an object looks only at records after the object's first offset (its own count and bytes, a later
 * record's event time), so reading again from any earlier offset cuts the same objects: a replay or a
 * restart cuts identical objects instead of adding new ones, and an object found complete in the
 * buckets is skipped without being written again.
 *
 * The customer's schedule runs from the log timestamp of an object's first record, not from when this
 * process opened it: a record whose log time is past it closes the object before being added (a rule
 * on the records, so every owner cuts there), and a quiet, caught-up partition closes it by the clock
 * once that time has passed. The rules that depend on the clock (that one, a manual flush) are made
 * repeatable by the boundary lookup: the object they closed exists (or is claimed) under a name that
 * holds its last offset, and a later run closes at that offset too.
 *
 * A record whose event id an object of its customer and hour that started before it already holds (a
 * client's retry, a producer's duplicate) is skipped. A duplicate keeps its session's key, so it lands
 * on the same partition, and its occurred_at, so in the same hour: that scope is complete. The ids of
 * objects started before this assembler's first record come from the exported-ids lookup, so the
 * decision, too, depends only on the records, not on where reading began.
 */
export class PartitionAssembler {
  private readonly open = new Map<string, OpenObject>();
  private oldestOpenHour = Number.POSITIVE_INFINITY;
  /** Event ids in the objects (closed or open) of each customer and hour, by the same key as `open`. */
  private readonly exported = new Map<string, { hourStart: number; ids: Set<string> }>();
  private newestHour = Number.NEGATIVE_INFINITY;
  /** Records skipped because their event id was already exported. */
  duplicates = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly limits: AssemblyLimits,
    private readonly lookup: BoundaryLookup,
    /** How long an object of the customer may stay open, from its first record's log time. */
    private readonly maxOpenMs: (customerId: string) => number = () => Number.POSITIVE_INFINITY,
    /** Where reading starts, when known: nothing before it may be committed until records arrive. */
    private nextOffset?: bigint,
    private readonly exportedIds: ExportedIdsLookup = async () => [],
  ) {}

  /**
   * Adds one record and returns the objects it closed, oldest first. A record already inside a written
   * object (reading again after a crash, a rewind or a rebalance) is not added: its object exists.
   * Neither is a record whose event id is already exported (see the class comment).
   * The lookups come first, so a failing one throws before anything changed.
   */
  async add(record: IncomingRecord): Promise<AssembledObject[]> {
    const hour: ObjectFolder = record.site === undefined ? eventHour(record.event.occurred_at) : { ...eventHour(record.event.occurred_at), site: record.site };
    const key = folderKey(record.customerId, hour);
    const open = this.open.get(key);
    const startsObject = !open || (open.knownLast !== undefined && record.offset > open.knownLast) || this.scheduleEnded(open, record.timestamp);
    const written = startsObject ? await this.lookup(record.customerId, hour, record.offset) : undefined;
    const exported = this.exported.get(key) ?? { hourStart: hour.start, ids: new Set(await this.exportedIds(record.customerId, hour, record.offset)) };
    this.exported.set(key, exported);
    if (hour.start > this.newestHour) this.forgetHoursBefore((this.newestHour = hour.start) - this.limits.latenessMs);

    // Every record applies the event-time and schedule rules, even one already written: the cuts must not depend on where reading began.
    const closed: AssembledObject[] = this.scheduled(record.timestamp);
    if (hour.start - this.limits.latenessMs > this.oldestOpenHour) {
      for (const candidate of [...this.open.values()]) {
        if (candidate.knownLast === undefined && candidate.hour.start < hour.start - this.limits.latenessMs) closed.push(this.close(candidate, 'event_time'));
      }
    }
    this.nextOffset = record.offset + 1n;
    if (open && startsObject && this.open.has(key)) closed.push(this.close(open, 'ledger'));
    // Inside an object already written (or, complete in every bucket, starting at it): nothing to write.
    if (written && (written.first < record.offset || written.complete === true)) {
      if (!record.erased) exported.ids.add(record.event.event_id);
      return closed;
    }
    // After every rule above, as for a record already written: a duplicate moves the position and the event time like any record.
    if (!record.erased) {
      if (exported.ids.has(record.event.event_id)) {
        this.duplicates += 1;
        return closed;
      }
      exported.ids.add(record.event.event_id);
    }

    let object = this.open.get(key);
    if (!object) {
      object = { customerId: record.customerId, hour, first: record.offset, last: record.offset, events: [], bytes: 0, openedAt: record.timestamp, knownLast: written?.last };
      this.open.set(key, object);
      this.oldestOpenHour = Math.min(this.oldestOpenHour, hour.start);
    }
    object.events.push(record.event);
    object.last = record.offset;
    object.bytes += record.size;

    if (object.knownLast !== undefined) {
      if (record.offset >= object.knownLast) closed.push(this.close(object, 'ledger'));
    } else if (object.events.length >= this.limits.maxRecords) {
      closed.push(this.close(object, 'records'));
    } else if (object.bytes >= this.limits.maxBytes) {
      closed.push(this.close(object, 'bytes'));
    }
    return closed;
  }

  /**
   * A record of this partition that needs no object (another customer's, undecodable): it still moves
   * the position and, when its log time is known, applies the schedule rule. Returns the objects closed.
   */
  skip(offset: bigint, timestamp?: number): AssembledObject[] {
    this.nextOffset = offset + 1n;
    return timestamp === undefined ? [] : this.scheduled(timestamp);
  }

  /**
   * Closes the objects whose schedule ended by `now` (wall clock), for a partition that is caught up:
   * no record that could still belong to them is waiting to be read. Objects an earlier run wrote wait
   * for their last record.
   */
  expire(now: number): AssembledObject[] {
    return this.scheduled(now);
  }

  /** When the earliest open object's schedule ends (log time), if any is open and not already cut by an earlier run. */
  nextScheduledClose(): Map<string, number> {
    const closes = new Map<string, number>();
    for (const object of this.open.values()) {
      if (object.knownLast !== undefined) continue;
      const at = object.openedAt + this.maxOpenMs(object.customerId);
      closes.set(object.customerId, Math.min(closes.get(object.customerId) ?? Number.POSITIVE_INFINITY, at));
    }
    return closes;
  }

  /** Closes the objects whose schedule ended at `time` (a record's log time, or the clock). */
  private scheduled(time: number): AssembledObject[] {
    const closed: AssembledObject[] = [];
    for (const object of [...this.open.values()]) if (this.scheduleEnded(object, time)) closed.push(this.close(object, 'schedule'));
    return closed;
  }

  private scheduleEnded(object: OpenObject, time: number): boolean {
    return object.knownLast === undefined && time - object.openedAt >= this.maxOpenMs(object.customerId);
  }

  /** Closes every open object (of one customer when given), as POST /export/run asks. */
  flush(customerId?: string): AssembledObject[] {
    return [...this.open.values()]
      .filter((object) => object.knownLast === undefined && (customerId === undefined || object.customerId === customerId))
      .map((object) => this.close(object, 'flush'));
  }

  /** Drops a customer's open objects unwritten; returns the first offset they held, from where they must be read again. */
  discard(customerId: string): bigint | undefined {
    let first: bigint | undefined;
    for (const [key, object] of this.open) {
      if (object.customerId !== customerId) continue;
      this.open.delete(key);
      if (first === undefined || object.first < first) first = object.first;
    }
    this.recomputeOldest();
    return first;
  }

  /**
   * The offset to commit as far as this partition's open objects are concerned: the first record not
   * yet in a closed object, or the next record to read when nothing is open.
   */
  safeOffset(): bigint | undefined {
    let safe = this.nextOffset;
    for (const object of this.open.values()) if (safe === undefined || object.first < safe) safe = object.first;
    return safe;
  }

  /** The next offset to read, once a record (or the start) told it. */
  position(): bigint | undefined {
    return this.nextOffset;
  }

  /** Events held in open objects, per customer. */
  openEvents(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const object of this.open.values()) counts.set(object.customerId, (counts.get(object.customerId) ?? 0) + object.events.length);
    return counts;
  }

  private close(object: OpenObject, reason: CloseReason): AssembledObject {
    this.open.delete(folderKey(object.customerId, object.hour));
    this.recomputeOldest();
    return {
      customerId: object.customerId,
      topic: this.topic,
      partition: this.partition,
      hour: object.hour,
      first: object.first,
      last: object.last,
      events: object.events,
      bytes: object.bytes,
      reason,
    };
  }

  /**
   * Drops the ids of hours that no open object holds and that the event-time rule has passed: a late
   * record of such an hour asks the lookup again, which answers from the objects themselves.
   */
  private forgetHoursBefore(hourStart: number): void {
    for (const [key, entry] of this.exported) if (entry.hourStart < hourStart && !this.open.has(key)) this.exported.delete(key);
  }

  private recomputeOldest(): void {
    this.oldestOpenHour = Number.POSITIVE_INFINITY;
    for (const object of this.open.values()) this.oldestOpenHour = Math.min(this.oldestOpenHour, object.hour.start);
  }
}
