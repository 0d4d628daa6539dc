import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { TrackingEvent } from '@tracking/contracts';
import { CONSUMER_CONTROL, ConsumerMetrics, type ConsumerBatch, type ConsumerControl, type DecodedRecord, type KafkaBatchContext, type RecordInterest } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';
import type { AssembledObject } from '../assembly/partition-assembler';
import { ExporterMetrics } from '../exporter.metrics';
import { EXPORT_TARGETS } from '../exporter.tokens';
import { CustomerHealthMonitor } from '../health/customer-health.monitor';
import { SiteDomainRegistry } from '../metering/site-domain.registry';
import { BucketError } from '../partitions/bucket.error';
import { PartitionRegistry } from '../partitions/partition.registry';
import type { PartitionState } from '../partitions/partition-state';
import { selectForExport } from '../targets/export-selection';
import type { ExportTargets } from '../targets/export-targets';
import { ExporterErasures } from '../privacy/exporter-erasures';
import { ObjectUploader } from '../upload/object.uploader';

export interface FlushResult {
  objects: number;
  events: number;
  failed: number;
}

const TICK_MS = 1000;
/**
 * A record appended just before its object's schedule ends is fetched within the consumer's fetch wait
 * (1 s): the clock closes a caught-up partition's objects only this long after, so it cuts where the
 * records would.
 */
const FETCH_GRACE_MS = 2000;
/** How long consumption waits for upload room before it heartbeats and waits again. */
const ROOM_WAIT_MS = 1000;

/**
 * Exports tracking events to each customer's buckets as objects (PartitionAssembler says how objects
 * are cut). Records already inside written objects are recognised by the objects' names and skipped,
 * the others are cut into the same objects as before, so reading again from any commit point writes
 * nothing twice.
 *
 * A customer whose bucket fails is detached instead of holding everyone up (CustomerHealthMonitor,
 * PartitionRegistry.detachCustomer); once a probe succeeds its partitions are read again from their
 * commit points. As the consumer's RecordInterest it skips the records of customers without an export
 * before they are decoded.
 */
@Injectable()
export class ExportService implements RecordInterest, OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    @Inject(EXPORT_TARGETS) private readonly targets: ExportTargets,
    @Inject(CONSUMER_CONTROL) private readonly consumer: ConsumerControl,
    private readonly partitions: PartitionRegistry,
    private readonly health: CustomerHealthMonitor,
    private readonly uploader: ObjectUploader,
    private readonly domains: SiteDomainRegistry,
    private readonly metrics: ExporterMetrics,
    private readonly consumed: ConsumerMetrics,
    private readonly erasures: ExporterErasures,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    for (const [customerId, error] of targets.broken) {
      this.metrics.customerMisconfigured.set({ customer: customerId }, 1);
      this.logger.error({ customer: customerId, problems: error.problems }, 'export configuration refused; this customer is not exported');
    }
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // Open objects are not flushed: their records stay uncommitted and the next run cuts them the same way.
    this.consumer.pauseAll();
    await this.partitions.forEach(() => undefined);
    await this.uploader.idle();
    await this.partitions.commitAll();
  }

  skipReason(customerId: string): string | undefined {
    if (this.targets.targets.has(customerId)) return undefined;
    return this.targets.broken.has(customerId) ? 'misconfigured' : 'not_configured';
  }

  /** One fetched batch of a partition, record by record; commits what became durable. */
  async consume(batch: ConsumerBatch<TrackingEvent>, context: KafkaBatchContext): Promise<void> {
    const state = this.partitions.stateOf(batch.topic, batch.partition);
    state.readFrom ??= BigInt(batch.lastOffset) - BigInt(batch.fetched) + 1n;
    await state.queue.run(async () => {
      for (const item of batch.records) {
        if (!context.isActive() || !this.partitions.isCurrent(state)) return;
        // Waiting for room heartbeats, so a slow bucket does not get this member evicted from the group.
        if (!this.uploader.hasRoom) while (!(await this.uploader.room(ROOM_WAIT_MS))) await context.heartbeat();
        await this.add(state, item);
        context.resolveOffset(item.record.offset);
      }
      if (!context.isActive() || !this.partitions.isCurrent(state)) return;
      // The batch's last records may be ones the transport skipped or dead-lettered: the position moves past them too.
      for (const object of state.assembler.skip(BigInt(batch.lastOffset), batch.lastTimestamp === undefined ? undefined : Number(batch.lastTimestamp))) void this.upload(state, object);
      state.caughtUp = batch.highWatermark !== undefined && BigInt(batch.lastOffset) + 1n >= BigInt(batch.highWatermark);
      context.resolveOffset(batch.lastOffset);
      this.metrics.openEvents.set(this.partitions.openEvents());
    });
    await state.queue.run(() => this.partitions.commit(state));
    await context.heartbeat();
  }

  /** Closes the open objects (of one customer when given) now and waits until they are written. */
  async flush(customerId?: string): Promise<FlushResult> {
    const written: Array<Promise<boolean>> = [];
    let events = 0;
    await this.partitions.forEach((state) => {
      for (const object of state.assembler.flush(customerId)) {
        events += object.events.length;
        written.push(this.upload(state, object));
      }
    });
    const outcomes = await Promise.all(written);
    await this.partitions.commitAll();
    return { objects: outcomes.filter(Boolean).length, events, failed: outcomes.filter((ok) => !ok).length };
  }

  private async add(state: PartitionState, { record, value: event }: DecodedRecord<TrackingEvent>): Promise<void> {
    const offset = BigInt(record.offset);
    const timestamp = Number(record.timestamp);
    const target = this.targets.targets.get(event.customer_id);
    if (!target) return this.skip(state, offset, timestamp, this.skipReason(event.customer_id) ?? 'not_configured');
    // A customer still detached here: failing, or recovered but this partition not yet read again for it.
    if (this.health.isFailing(target.customerId) || state.detached.has(target.customerId)) {
      state.detach(target.customerId, offset);
      return this.skip(state, offset, timestamp, 'bucket_failing');
    }
    const selected = selectForExport(target, event);
    if (!selected) return this.skip(state, offset, timestamp, 'event_type_excluded');
    let closed: AssembledObject[];
    const duplicates = state.assembler.duplicates;
    try {
      // An erased subject's record keeps its place in its object (the boundaries never depend on the list); the writer leaves it out.
      const erased = this.erasures.erased(target.customerId, selected.event);
      closed = await state.assembler.add({ offset, customerId: target.customerId, event: selected.event, size: record.value?.length ?? 0, timestamp, site: selected.site, erased });
    } catch (error) {
      if (!(error instanceof BucketError)) throw error;
      this.detach(target.customerId, error);
      state.detach(target.customerId, offset);
      return this.skip(state, offset, timestamp, 'bucket_failing');
    }
    if (state.assembler.duplicates > duplicates) this.consumed.skipped.inc({ topic: state.topic, reason: 'duplicate' });
    for (const object of closed) void this.upload(state, object);
  }

  private skip(state: PartitionState, offset: bigint, timestamp: number, reason: string): void {
    for (const object of state.assembler.skip(offset, timestamp)) void this.upload(state, object);
    this.consumed.skipped.inc({ topic: state.topic, reason });
  }

  /** Writes a closed object in the background; resolves true once durable, false if it was dropped or failed. */
  private async upload(state: PartitionState, object: AssembledObject): Promise<boolean> {
    const outcome = await this.uploader.upload(state, object);
    if (outcome.kind === 'failed' && outcome.newlyFailing) this.partitions.detachCustomer(object.customerId);
    if (outcome.kind === 'claimed') await this.partitions.rereadClaimed(state);
    // Committed as soon as it is durable, not at the next tick: a rebalance now reads less again.
    if (outcome.kind === 'written') void state.queue.run(() => this.partitions.commit(state));
    return outcome.kind === 'written';
  }

  private detach(customerId: string, error: Error): void {
    if (this.health.failed(customerId, error)) this.partitions.detachCustomer(customerId);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.partitions.forEach((state) => {
        // Only a caught-up partition closes by the clock: a record still to be read could belong in the object (it does for the partition's next owner).
        if (!state.caughtUp) return;
        for (const object of state.assembler.expire(Date.now() - FETCH_GRACE_MS)) void this.upload(state, object);
      });
      for (const customerId of await this.health.probeDue()) {
        this.metrics.rewinds.inc({ customer: customerId }, await this.partitions.rewindCustomer(customerId));
      }
      await this.domains.publishPending();
      await this.partitions.commitAll();
      this.metrics.openEvents.set(this.partitions.openEvents());
    } catch (error) {
      this.logger.error({ err: error }, 'export housekeeping failed; it runs again on the next tick');
    } finally {
      this.ticking = false;
    }
  }
}
