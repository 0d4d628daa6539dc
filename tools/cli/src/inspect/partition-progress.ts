import type { PartitionRange } from './start-position';

/** What kafkajs reports when it has finished with one fetched batch of a partition. */
export interface BatchEnd {
  partition: number;
  /** First offset the batch held, control records included; null for a batch with nothing in range. */
  firstOffset: number | null;
  /** Last offset the batch held, control records included. */
  lastOffset: number;
  /** Every record of the batch reached the handler (kafkajs abandons a batch when a seek is pending). */
  complete: boolean;
}

/**
 * How far each partition has been read, against the end offsets taken at the start (`--until-end`).
 * A partition is done once the next offset to read reaches its end. Delivered records move it on,
 * and so do finished batches, because those also cover offsets the consumer never delivers:
 * transaction markers and aborted records. Without that a partition whose last offset is a commit
 * marker would never be done.
 */
export class PartitionProgress {
  private readonly next = new Map<number, number>();
  private readonly ends = new Map<number, number>();
  /** Offsets from start to end over all partitions: the progress bar's total. */
  readonly total: number;

  constructor(ranges: readonly PartitionRange[]) {
    let total = 0;
    for (const range of ranges) {
      this.next.set(range.partition, range.start);
      this.ends.set(range.partition, range.end);
      total += Math.max(range.end - range.start, 0);
    }
    this.total = total;
  }

  /** Whether an offset lies in the range being read (records after the end were not there at the start). */
  isInRange(partition: number, offset: number): boolean {
    const end = this.ends.get(partition);
    return end !== undefined && offset >= (this.next.get(partition) ?? end) && offset < end;
  }

  /**
   * Everything up to and including `offset` has been read. Returns how many offsets of the range
   * that covered, for the progress bar.
   */
  readThrough(partition: number, offset: number): number {
    const current = this.next.get(partition);
    const end = this.ends.get(partition);
    if (current === undefined || end === undefined || offset < current) return 0;
    this.next.set(partition, offset + 1);
    return Math.max(Math.min(offset + 1, end) - current, 0);
  }

  /**
   * A finished batch counts only when it continues where reading stands and none of its records
   * was skipped: a batch fetched before the start position was applied (kafkajs fetches from the
   * group's default position until the seek lands) must not mark offsets as read.
   */
  batchEnded(batch: BatchEnd): number {
    const current = this.next.get(batch.partition);
    if (!batch.complete || batch.firstOffset === null || current === undefined || batch.firstOffset > current) return 0;
    return this.readThrough(batch.partition, batch.lastOffset);
  }

  get finished(): boolean {
    for (const [partition, end] of this.ends) if ((this.next.get(partition) ?? 0) < end) return false;
    return true;
  }
}
