import { BaseRpcContext } from '@nestjs/microservices';
import type { ConsumedRecord } from './consumed-record';

/** A record decoded with its topic's schema and checked (libs/contracts record checks). */
export interface DecodedRecord<T> {
  readonly record: ConsumedRecord;
  readonly value: T;
  /** Id of the schema the record was written with. */
  readonly schemaId: number;
}

/**
 * What an `@EventPattern(topic)` handler receives: the decoded, checked records of one topic
 * partition that the service wants, in offset order. Records it does not want (see RecordInterest)
 * and records that could not be decoded (dead-lettered by the transport) are left out, so
 * `lastOffset` tells how far the batch reaches.
 */
export interface ConsumerBatch<T> {
  readonly topic: string;
  readonly partition: number;
  readonly records: ReadonlyArray<DecodedRecord<T>>;
  readonly lastOffset: string;
  /** Records of the partition this batch covers, as fetched (handed over, skipped or undecodable). */
  readonly fetched: number;
  /** Of those, records the transport dead-letters because they cannot be decoded or fail the checks. */
  readonly undecodable: number;
  /** Explicit commit mode: the partition's end (next offset to be written) when the batch was fetched. */
  readonly highWatermark?: string;
  /** Explicit commit mode: the log timestamp (epoch ms) of the batch's last record, handed over or not. */
  readonly lastTimestamp?: string;
}

/** A record a handler could never process, with why: the transport dead-letters it before committing. */
export interface RejectedRecord {
  readonly record: ConsumedRecord;
  readonly reason: string;
}

/** What a handler resolves with: nothing, or the records to dead-letter. */
export type BatchOutcome = void | readonly RejectedRecord[];

export interface KafkaBatchControls {
  heartbeat(): Promise<void>;
  /** False once the member is stopping or the batch's generation is over: stop working on it. */
  isActive(): boolean;
  /** Explicit commit mode: the fetch position moves past this offset (the commit is the handler's). */
  resolveOffset(offset: string): void;
}

/** The second argument of a handler (`@Ctx()`): heartbeats and, in explicit commit mode, the fetch position. */
export class KafkaBatchContext extends BaseRpcContext<[KafkaBatchControls]> {
  constructor(controls: KafkaBatchControls) {
    super([controls]);
  }

  heartbeat(): Promise<void> {
    return this.args[0].heartbeat();
  }

  isActive(): boolean {
    return this.args[0].isActive();
  }

  resolveOffset(offset: string): void {
    this.args[0].resolveOffset(offset);
  }
}

/** `@EventPattern(topic, COMMIT_EXPLICITLY)`: the transport does not commit after the handler; the service commits through KafkaBatchTransport.commit. */
export const COMMIT_EXPLICITLY = { commit: 'explicit' } as const;

/**
 * Which customers' records a service wants decoded: a record of a customer it has nothing to do
 * for is skipped before decoding, by its CloudEvents source header.
 */
export interface RecordInterest {
  /** Undefined to decode and hand over the customer's records; otherwise why they are skipped. */
  skipReason(customerId: string): string | undefined;
}

/**
 * What a service that commits explicitly asks of its consumer: commit a partition's position, read a
 * partition again from an offset, and hear when a new group generation starts (its partitions may
 * have moved). Served by KafkaBatchTransport.
 */
export interface ConsumerControl {
  commit(topic: string, partition: number, offset: bigint): Promise<void>;
  seek(topic: string, partition: number, offset: bigint): void;
  pauseAll(): void;
  /** `assignment`: this member's partitions in the new generation, by topic. */
  onGroupJoin(listener: (assignment: Readonly<Record<string, readonly number[]>>) => void): void;
}

export const CONSUMER_CONTROL = Symbol('CONSUMER_CONTROL');
