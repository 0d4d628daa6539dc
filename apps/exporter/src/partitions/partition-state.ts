import type { PartitionAssembler } from '../assembly/partition-assembler';

/** Runs tasks one after another: a partition's records, timers and rewinds never interleave. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Objects closed but not yet durable in S3, by id. */
export interface PendingObject {
  customerId: string;
  first: bigint;
  bytes: number;
  events: number;
}

/** What the exporter holds for one assigned topic partition in one group generation. */
export class PartitionState {
  readonly queue = new SerialQueue();
  readonly pending = new Map<number, PendingObject>();
  /** Failing customers: the first offset of theirs not exported, from where to read again on recovery. */
  readonly detached = new Map<string, bigint>();
  committed?: bigint;
  /** False once the group moved on to a new generation: objects of this state not yet being written are left to the partition's next owner. */
  active = true;
  /** Set when a claim was lost: the partition is read again from here (at the latest) with the claimed boundary. */
  rereadFrom?: bigint;
  /** Whether the last batch reached the partition's end: only then may the clock close objects (no record that belongs in them waits). */
  caughtUp = false;
  /** The first offset this generation read (where the group's commit stood). */
  readFrom?: bigint;

  constructor(
    readonly topic: string,
    readonly partition: number,
    public assembler: PartitionAssembler,
  ) {}

  /** A claim was lost at `offset`: never commit past it before the partition is read again. */
  rereadAt(offset: bigint): void {
    if (this.rereadFrom === undefined || offset < this.rereadFrom) this.rereadFrom = offset;
  }

  detach(customerId: string, offset: bigint): void {
    const known = this.detached.get(customerId);
    if (known === undefined || offset < known) this.detached.set(customerId, offset);
  }

  /** The offset below which every record is durable in S3 or needs no export. */
  commitOffset(): bigint | undefined {
    let offset = this.assembler.safeOffset();
    const lower = (candidate: bigint): void => {
      if (offset === undefined || candidate < offset) offset = candidate;
    };
    for (const object of this.pending.values()) lower(object.first);
    for (const first of this.detached.values()) lower(first);
    if (this.rereadFrom !== undefined) lower(this.rereadFrom);
    return offset;
  }
}
