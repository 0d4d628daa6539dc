import type { ReplayBounds } from '@tracking/config';
import { customerOfRecord, type ConsumedRecord } from './consumed-record';

export type WindowSelection =
  /** Nothing of this partition is in the replay. */
  | { kind: 'outside' }
  | {
      kind: 'inside';
      /** Records before the stop offset and of the replayed customer. */
      records: ConsumedRecord[];
      /** The last record below the stop offset, handed over or filtered out: the position must pass it either way. */
      lastExamined?: string;
      /** This fetch reached the partition's stop offset. */
      reachedStop: boolean;
    };

/**
 * A bounded replay (`tracking replay --to/--customer`, run under a temporary group): records at or
 * after the stop offsets are left alone, other customers' records are skipped, and `onDrained` is
 * called once every listed partition has reached its stop offset.
 */
export class ReplayWindow {
  /** Partitions (`topic:partition`) not yet at their stop offset. */
  private readonly remaining = new Set<string>();

  constructor(
    private readonly bounds: ReplayBounds,
    private readonly onDrained: () => void,
  ) {
    for (const [topic, partitions] of Object.entries(bounds.stopOffsets)) {
      for (const partition of Object.keys(partitions)) this.remaining.add(`${topic}:${partition}`);
    }
  }

  get customer(): string | undefined {
    return this.bounds.customer;
  }

  /** Called once consumption runs: a replay with nothing to read ends at once. */
  started(): void {
    if (this.remaining.size === 0) this.onDrained();
  }

  select(topic: string, partition: number, fetched: readonly ConsumedRecord[]): WindowSelection {
    const stopText = this.bounds.stopOffsets[topic]?.[String(partition)];
    if (stopText === undefined) return { kind: 'outside' };
    const stop = BigInt(stopText);
    let records = fetched.filter((record) => BigInt(record.offset) < stop);
    const reachedStop = records.length < fetched.length || (records.length > 0 && BigInt(records[records.length - 1].offset) + 1n >= stop);
    const lastExamined = records[records.length - 1]?.offset;
    if (this.bounds.customer !== undefined) records = records.filter((record) => customerOfRecord(record) === this.bounds.customer);
    return { kind: 'inside', records, lastExamined, reachedStop };
  }

  /** The partition reached its stop; true if it was the last one (onDrained has been called). */
  partitionDone(topic: string, partition: number): boolean {
    if (!this.remaining.delete(`${topic}:${partition}`)) return false;
    if (this.remaining.size > 0) return false;
    this.onDrained();
    return true;
  }

  get partitionsLeft(): number {
    return this.remaining.size;
  }
}
