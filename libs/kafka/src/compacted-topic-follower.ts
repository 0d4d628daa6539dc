import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { CatchUp } from './catch-up';

/** One record as read: its key (UTF-8), its decoded value (null: a tombstone). */
export interface FollowedRecord<V> {
  key: string;
  value: V | null;
  partition: number;
  offset: string;
}

/** What a follower does with what it reads; the follower itself only reads. */
export interface CompactedTopicHandler<V> {
  /**
   * Turns a record's bytes into a value. Returns undefined to skip a record that can never be read;
   * throws to have the batch read again (e.g. the registry not answering).
   */
  decode(key: string, value: Buffer, offset: string): Promise<V | undefined>;
  /**
   * A reading from the beginning starts. `again`: it follows an earlier complete reading (the
   * consumer crashed for good), so the handler reads into a state of its own until `caughtUp`.
   */
  begin(again: boolean): void;
  /** Records of one batch, in offset order. `catchingUp`: before the reading reached the ends seen at its start. */
  apply(records: ReadonlyArray<FollowedRecord<V>>, catchingUp: boolean): void | Promise<void>;
  /** The reading reached the high watermarks seen when it started; `again` as for `begin`. */
  caughtUp(again: boolean): void | Promise<void>;
}

export interface CompactedTopicFollowerOptions {
  topic: string;
  /** Begins the reader's consumer group name (`<readerName>-<label>-<random>`), so the broker's group list says who reads. */
  readerName: string;
  /** What is read, in the group name and in messages (e.g. `customers`, `erasures`). */
  label: string;
  /** Longest a fetch waits for new records: bounds how long a change takes to arrive. */
  maxWaitMs?: number;
}

type PartitionEnds = Array<{ partition: number; high: string; low: string }>;

/**
 * Follows a compacted topic whole in every instance: reads it from the beginning at start (ready
 * once it has reached the high watermarks seen when it started), then hands on each record as it
 * arrives.
 *
 * Every instance must read every record, so each reader is a consumer group of its own (a random
 * name) that never commits: offsets shared between instances would split the topic among them, and
 * a committed offset would skip the start of the topic on the next start. kafkajs has no manual
 * partition assignment; a group of one member is how it reads a whole topic. A reader that crashes
 * for good reads everything again under a new group (the handler swaps its state once complete).
 */
export class CompactedTopicFollower<V> {
  private consumer?: Consumer;
  private catchUp?: CatchUp;
  private loaded = false;
  private stopped = false;
  private restartTimer?: NodeJS.Timeout;
  private admin?: Admin;
  /** The end-offset request in flight, if any. */
  private asking?: Promise<PartitionEnds>;
  /** The request that starts once the one in flight ends: every caller meanwhile shares it. */
  private askingNext?: Promise<PartitionEnds>;
  /** Next offset to read of each partition, as far as this reader got. */
  private readonly positions = new Map<number, bigint>();
  private markReady!: () => void;
  readonly readyOnce = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: Logger,
    private readonly options: CompactedTopicFollowerOptions,
    private readonly handler: CompactedTopicHandler<V>,
  ) {}

  get ready(): boolean {
    return this.loaded;
  }

  /** Why the follower is not ready yet (partitions still to read), or undefined once it is. */
  notReadyReason(): string | undefined {
    if (this.loaded) return undefined;
    const pending = this.catchUp ? [...this.catchUp.pending].map(([partition, end]) => `partition ${partition} up to offset ${end}`).join(', ') : 'not connected yet';
    return `${this.options.label} not read yet from ${this.options.topic} (${pending})`;
  }

  /** Throws the not-ready reason: for health checks. */
  async check(): Promise<void> {
    const reason = this.notReadyReason();
    if (reason) throw new Error(reason);
  }

  /**
   * Connects and starts reading; resolves once the topic has been read whole. Rejects when the
   * cluster refuses (the caller retries: a BackgroundConnection).
   */
  async start(): Promise<void> {
    this.stopped = false;
    const { topic } = this.options;
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = new Map<number, bigint>();
    const starts = new Map<number, bigint>();
    try {
      for (const partition of await admin.fetchTopicOffsets(topic)) {
        ends.set(partition.partition, BigInt(partition.high));
        starts.set(partition.partition, BigInt(partition.low));
      }
    } finally {
      await admin.disconnect();
    }
    const catchUp = new CatchUp(ends, starts);
    const again = this.loaded;
    this.handler.begin(again);
    this.catchUp = catchUp;
    const consumer = this.kafka.consumer({
      groupId: `${this.options.readerName}-${this.options.label}-${randomUUID()}`,
      maxWaitTimeInMs: this.options.maxWaitMs ?? 500,
      // No other member ever joins this group: nothing to rebalance with, so a short session only costs heartbeats.
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
    });
    this.consumer = consumer;
    let resolveRead!: () => void;
    const readWhole = new Promise<void>((resolve) => (resolveRead = resolve));
    let reported = false;
    const caughtUp = async (): Promise<void> => {
      if (reported) return;
      reported = true;
      this.loaded = true;
      await this.handler.caughtUp(again);
      this.markReady();
      resolveRead();
    };
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopped) return;
      this.logger.error({ err: payload.error }, `reading ${topic} failed for good; reading it again`);
      this.restartTimer = setTimeout(() => void this.restart(), 1000);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const records: Array<FollowedRecord<V>> = [];
        for (const message of batch.messages) {
          const key = message.key?.toString('utf8');
          if (!key) continue;
          const value = message.value ? await this.handler.decode(key, message.value, message.offset) : null;
          if (value === undefined) continue;
          records.push({ key, value, partition: batch.partition, offset: message.offset });
        }
        const catchingUp = !catchUp.done;
        await this.handler.apply(records, catchingUp);
        this.positions.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
        if (catchingUp) {
          catchUp.advance(batch.partition, BigInt(batch.lastOffset()) + 1n);
          if (catchUp.done) await caughtUp();
        }
        await heartbeat();
      },
    });
    if (catchUp.done) await caughtUp();
    await readWhole;
  }

  /** Resolves true once this reader has read up to the topic's current end (false after `timeoutMs`). */
  async refresh(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const ends = await this.endOffsets();
    const reached = (): boolean =>
      this.loaded && ends.every((end) => BigInt(end.high) <= BigInt(end.low) || (this.positions.get(end.partition) ?? 0n) >= BigInt(end.high));
    while (!reached()) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  async stop(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.consumer?.disconnect().catch(() => undefined);
  }

  /**
   * The topic's end offsets, from a request sent after this call. A request already in flight may
   * have left before a record the caller must see was acknowledged (an erasure published just
   * before an export landed), so a caller never joins it: it starts one when none is in flight, or
   * else shares the single request that starts when that one ends. However many callers, at most one
   * request is in flight and one waits, over one admin connection kept for them.
   */
  private endOffsets(): Promise<PartitionEnds> {
    if (!this.asking) return (this.asking = this.askEnds());
    this.askingNext ??= this.asking
      .catch(() => undefined)
      .then(() => {
        this.askingNext = undefined;
        return (this.asking = this.askEnds());
      });
    return this.askingNext;
  }

  private askEnds(): Promise<PartitionEnds> {
    const request = (async () => {
      try {
        if (!this.admin) {
          const admin = this.kafka.admin();
          await admin.connect();
          this.admin = admin;
        }
        return await this.admin.fetchTopicOffsets(this.options.topic);
      } catch (error) {
        await this.admin?.disconnect().catch(() => undefined);
        this.admin = undefined;
        throw error;
      }
    })();
    const settled = request.finally(() => {
      if (this.asking === settled) this.asking = undefined;
    });
    return settled;
  }

  private async restart(): Promise<void> {
    if (this.stopped) return;
    await this.consumer?.disconnect().catch(() => undefined);
    try {
      await this.start();
    } catch (error) {
      this.logger.error({ err: error }, `reading ${this.options.topic} again failed; trying again`);
      this.restartTimer = setTimeout(() => void this.restart(), 5000);
    }
  }
}

/**
 * A reader whose life cycle is its CompactedTopicFollower's (the customers, the erasure list, the
 * erasure reports): start, stop, readiness and refresh are the follower's, so each reader writes only
 * what it keeps of the records.
 */
export abstract class FollowedTopicReader<V> {
  protected abstract readonly follower: CompactedTopicFollower<V>;

  /** Resolves the first time the reader has caught up with the topic. */
  get readyOnce(): Promise<void> {
    return this.follower.readyOnce;
  }

  get ready(): boolean {
    return this.follower.ready;
  }

  /** Throws why the topic is not read yet: for health checks. */
  check(): Promise<void> {
    return this.follower.check();
  }

  /** Connects and reads the topic whole; resolves once caught up (the caller retries a rejection). */
  start(): Promise<void> {
    return this.follower.start();
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }

  /** True once this reader has read up to the topic's current end: a record just published is known. */
  refresh(timeoutMs = 10_000): Promise<boolean> {
    return this.follower.refresh(timeoutMs);
  }
}
