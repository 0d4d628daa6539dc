import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CONSUMER_CONTROL, type ConsumerControl } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';
import { PartitionAssembler } from '../assembly/partition-assembler';
import type { ObjectFolder } from '../assembly/object-layout';
import { EXPORTER_CONFIG, type ExporterConfig } from '../config/exporter.config';
import { EXPORT_TARGETS } from '../exporter.tokens';
import { SiteDomainRegistry } from '../metering/site-domain.registry';
import { BoundaryLedger } from '../s3/boundary.ledger';
import type { ExportTargets } from '../targets/export-targets';
import { BucketError } from './bucket.error';
import { PartitionState } from './partition-state';

/**
 * The partitions this member exports in the current group generation, and their commits. It owns
 * the partition states; a new generation starts from the committed offsets, so whatever was open is
 * read again and what other members may have written since is listed afresh.
 *
 * A partition's committed offset never passes a record that is not yet durable in S3 (or that a
 * failing customer has not exported), nor any record while a billing event is only in memory.
 */
@Injectable()
export class PartitionRegistry implements OnModuleInit {
  private readonly partitions = new Map<string, PartitionState>();
  /** This member's partitions in the current generation, read from or not. */
  private assigned: Array<{ topic: string; partition: number }> = [];

  constructor(
    @Inject(CONSUMER_CONTROL) private readonly consumer: ConsumerControl,
    @Inject(EXPORT_TARGETS) private readonly targets: ExportTargets,
    @Inject(EXPORTER_CONFIG) private readonly config: Pick<ExporterConfig, 'limits'>,
    private readonly ledger: BoundaryLedger,
    private readonly domains: SiteDomainRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.consumer.onGroupJoin((assignment) => {
      this.assigned = Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
      for (const state of this.partitions.values()) state.active = false;
      this.partitions.clear();
      this.ledger.forgetListings();
    });
  }

  stateOf(topic: string, partition: number): PartitionState {
    const id = `${topic}:${partition}`;
    let state = this.partitions.get(id);
    if (!state) {
      state = new PartitionState(topic, partition, this.newAssembler(topic, partition));
      this.partitions.set(id, state);
    }
    return state;
  }

  /** False once a new generation replaced the state (its work must stop). */
  isCurrent(state: PartitionState): boolean {
    return this.partitions.get(`${state.topic}:${state.partition}`) === state;
  }

  all(): PartitionState[] {
    return [...this.partitions.values()];
  }

  /** Runs a task in every partition's queue, so it never interleaves with that partition's records. */
  async forEach(task: (state: PartitionState) => void | Promise<void>): Promise<void> {
    await Promise.all(this.all().map((state) => state.queue.run(() => task(state))));
  }

  /**
   * A failing customer stops holding up its partitions: what it has open or waiting is dropped and
   * the first offset it has not exported is kept per partition (and not committed past).
   */
  detachCustomer(customerId: string): void {
    for (const state of this.partitions.values()) {
      for (const [id, object] of state.pending) {
        if (object.customerId !== customerId) continue;
        state.pending.delete(id);
        state.detach(customerId, object.first);
      }
      // Inside the partition's queue, so a record being added right now is dropped with the rest.
      void state.queue.run(() => {
        const open = state.assembler.discard(customerId);
        if (open !== undefined) state.detach(customerId, open);
      });
    }
  }

  /**
   * The customer's buckets answer again: each partition it missed records in is read again from its
   * commit point (at or before the first record it missed). Records already in written objects are
   * skipped on the way, so the others' objects are not rewritten. Returns the partitions rewound.
   */
  async rewindCustomer(customerId: string): Promise<number> {
    let rewound = 0;
    await this.forEach((state) => {
      if (!state.detached.has(customerId) || !this.isCurrent(state)) return;
      const rewindTo = state.commitOffset() as bigint;
      state.detached.delete(customerId);
      state.assembler = this.newAssembler(state.topic, state.partition, rewindTo);
      this.consumer.seek(state.topic, state.partition, rewindTo);
      rewound += 1;
      this.logger.info({ customer: customerId, topic: state.topic, partition: state.partition, offset: rewindTo.toString() }, 'customer bucket recovered; reading the partition again');
    });
    return rewound;
  }

  /**
   * Another owner claimed an object of this partition with other boundaries: read the partition again
   * from its commit point (at or before that object), so its records are cut at the claimed boundary.
   */
  async rereadClaimed(state: PartitionState): Promise<void> {
    await state.queue.run(() => {
      if (state.rereadFrom === undefined || !this.isCurrent(state)) return;
      const rereadFrom = state.commitOffset() as bigint;
      state.rereadFrom = undefined;
      state.assembler = this.newAssembler(state.topic, state.partition, rereadFrom);
      this.consumer.seek(state.topic, state.partition, rereadFrom);
      this.logger.info({ topic: state.topic, partition: state.partition, offset: rereadFrom.toString() }, 'reading the partition again to cut at boundaries another owner claimed');
    });
  }

  async commitAll(): Promise<void> {
    await this.forEach((state) => this.commit(state));
  }

  /** Commits what is durable; call it inside the partition's queue. */
  async commit(state: PartitionState): Promise<void> {
    // A billing event not yet published is only in memory: keep its records uncommitted until it is.
    if (this.domains.hasUnpublished()) return;
    const offset = state.commitOffset();
    if (offset === undefined || (state.committed !== undefined && offset <= state.committed) || !this.isCurrent(state)) return;
    try {
      await this.consumer.commit(state.topic, state.partition, offset);
      state.committed = offset;
    } catch (error) {
      // A rebalance took the partition: the next owner starts from the last commit, which is safe.
      this.logger.warn({ topic: state.topic, partition: state.partition, err: error }, 'offset commit failed');
    }
  }

  /** Events held in open objects and in objects waiting to be written, per customer. */
  pendingEvents(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const state of this.partitions.values()) {
      for (const [customerId, events] of state.assembler.openEvents()) counts.set(customerId, (counts.get(customerId) ?? 0) + events);
      for (const object of state.pending.values()) counts.set(object.customerId, (counts.get(object.customerId) ?? 0) + object.events);
    }
    return counts;
  }

  /**
   * Per customer: events held in open objects (waiting for their schedule or their size), events in
   * objects being written, and when the earliest open object's schedule ends (log time; in the past
   * for an object that waits only because its partition is not caught up).
   */
  customerViews(): Map<string, { held: number; writing: number; nextCloseAt?: number }> {
    const views = new Map<string, { held: number; writing: number; nextCloseAt?: number }>();
    const viewOf = (customerId: string) => {
      let view = views.get(customerId);
      if (!view) views.set(customerId, (view = { held: 0, writing: 0 }));
      return view;
    };
    for (const state of this.partitions.values()) {
      for (const [customerId, events] of state.assembler.openEvents()) viewOf(customerId).held += events;
      for (const object of state.pending.values()) viewOf(object.customerId).writing += object.events;
      for (const [customerId, at] of state.assembler.nextScheduledClose()) {
        const view = viewOf(customerId);
        if (Number.isFinite(at) && (view.nextCloseAt === undefined || at < view.nextCloseAt)) view.nextCloseAt = at;
      }
    }
    return views;
  }

  /** Where each partition of this member stands: committed, read up to, and whether it reached the partition's end. */
  partitionViews(): Array<{ topic: string; partition: number; committed?: bigint; position?: bigint; caughtUp: boolean }> {
    const views = this.all().map((state) => ({
      topic: state.topic,
      partition: state.partition,
      committed: state.committed ?? state.readFrom,
      position: state.assembler.position(),
      caughtUp: state.caughtUp,
    }));
    // Assigned partitions with nothing fetched yet: nothing to read there since the generation began.
    for (const { topic, partition } of this.assigned) {
      if (!this.partitions.has(`${topic}:${partition}`)) views.push({ topic, partition, committed: undefined, position: undefined, caughtUp: true });
    }
    return views.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  openEvents(): number {
    let events = 0;
    for (const state of this.partitions.values()) for (const count of state.assembler.openEvents().values()) events += count;
    return events;
  }

  private newAssembler(topic: string, partition: number, startAt?: bigint): PartitionAssembler {
    const targetOf = (customerId: string) => this.targets.targets.get(customerId);
    const asked = async <T>(customerId: string, what: string, ask: () => Promise<T>): Promise<T> => {
      try {
        return await ask();
      } catch (error) {
        throw new BucketError(`cannot ${what} of ${customerId}: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
      }
    };
    const lookup = async (customerId: string, hour: ObjectFolder, offset: bigint) => {
      const target = targetOf(customerId);
      return target ? asked(customerId, 'list the objects', () => this.ledger.containing(target, topic, partition, hour, offset)) : undefined;
    };
    const exportedIds = async (customerId: string, hour: ObjectFolder, offset: bigint) => {
      const target = targetOf(customerId);
      return target ? asked(customerId, 'read the exported ids', () => this.ledger.exportedIds(target, topic, partition, hour, offset)) : [];
    };
    const maxOpenMs = (customerId: string) => targetOf(customerId)?.maxOpenMs ?? Number.POSITIVE_INFINITY;
    return new PartitionAssembler(topic, partition, this.config.limits, lookup, maxOpenMs, startAt, exportedIds);
  }
}
