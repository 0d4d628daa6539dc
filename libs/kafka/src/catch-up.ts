/**
 * Whether a reader has read a topic up to where it ended when the reader started: the high
 * watermark of each partition, as the admin client saw it. Records written later are followed,
 * not waited for, so a busy topic cannot keep a service not ready.
 */
export class CatchUp {
  private readonly remaining = new Map<number, bigint>();

  /** `ends`: partition → high watermark at start; `starts`: partition → its first offset (low watermark). */
  constructor(ends: ReadonlyMap<number, bigint>, starts: ReadonlyMap<number, bigint> = new Map()) {
    for (const [partition, end] of ends) {
      // An empty partition (end at its start) has nothing to wait for.
      if (end > (starts.get(partition) ?? 0n)) this.remaining.set(partition, end);
    }
  }

  /** Notes that everything before `nextOffset` of the partition has been read. */
  advance(partition: number, nextOffset: bigint): void {
    const end = this.remaining.get(partition);
    if (end !== undefined && nextOffset >= end) this.remaining.delete(partition);
  }

  get done(): boolean {
    return this.remaining.size === 0;
  }

  /** Partitions still to read, with the offset each must reach: for the not-ready reason. */
  get pending(): ReadonlyMap<number, bigint> {
    return this.remaining;
  }
}
