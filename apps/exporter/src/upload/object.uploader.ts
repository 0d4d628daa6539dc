import { Inject, Injectable } from '@nestjs/common';
import type { TrackingEvent } from '@tracking/contracts';
import { LOGGER, type Logger } from '@tracking/observability';
import type { AssembledObject } from '../assembly/partition-assembler';
import { EXPORTER_CONFIG, type ExporterConfig } from '../config/exporter.config';
import { ExporterMetrics } from '../exporter.metrics';
import { EXPORT_TARGETS } from '../exporter.tokens';
import { CustomerHealthMonitor } from '../health/customer-health.monitor';
import { SiteDomainRegistry } from '../metering/site-domain.registry';
import type { PartitionState } from '../partitions/partition-state';
import { BoundaryLedger } from '../s3/boundary.ledger';
import type { ExportTargets } from '../targets/export-targets';
import { ErasureRewriter } from '../privacy/erasure.rewriter';
import { ExporterErasures } from '../privacy/exporter-erasures';
import type { ExportTarget } from '../targets/export-target';
import { S3ObjectWriter, type WrittenObject } from './s3-object.writer';
import { UploadQueue } from './upload.queue';

export type UploadOutcome =
  | { kind: 'written' }
  /** Not written because its customer was already failing: its records are read again once it recovers. */
  | { kind: 'dropped' }
  /** The write failed: the customer is now failing (`newlyFailing` the first time), its records are read again once it recovers. */
  | { kind: 'failed'; newlyFailing: boolean }
  /**
   * Not written: another owner claimed the object's first offset with another last offset. The
   * partition is to be read again (state.rereadFrom), cutting at the claimed boundary.
   */
  | { kind: 'claimed' }
  /** Not written: the group moved on before it started, and the partition's owner now writes it. */
  | { kind: 'revoked' };

/**
 * Writes closed objects in the background, a bounded number at once and with a bounded number of
 * input bytes waiting, so consumption waits for room instead of growing memory without bound. An
 * object is pending in its partition (holding the commit back at its first offset) until it is
 * durable in both buckets.
 */
@Injectable()
export class ObjectUploader {
  private readonly queue: UploadQueue;
  private nextObjectId = 0;

  constructor(
    @Inject(EXPORTER_CONFIG) config: ExporterConfig,
    @Inject(EXPORT_TARGETS) private readonly targets: ExportTargets,
    private readonly writer: S3ObjectWriter,
    private readonly ledger: BoundaryLedger,
    private readonly health: CustomerHealthMonitor,
    private readonly domains: SiteDomainRegistry,
    private readonly metrics: ExporterMetrics,
    private readonly erasures: ExporterErasures,
    private readonly rewriter: ErasureRewriter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.queue = new UploadQueue(config.uploadConcurrency, config.maxPendingBytes);
  }

  /** Whether the bytes waiting are under the limit now (checked per record without awaiting). */
  get hasRoom(): boolean {
    return this.queue.hasRoom;
  }

  /** True once the bytes waiting are under the limit; false if they still are not after `timeoutMs`. */
  room(timeoutMs: number): Promise<boolean> {
    return this.queue.room(timeoutMs);
  }

  /** Resolves once nothing is queued or being written. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  upload(state: PartitionState, object: AssembledObject): Promise<UploadOutcome> {
    const target = this.targets.targets.get(object.customerId);
    if (!target) throw new Error(`no export target for ${object.customerId}`);
    const range = { first: object.first, last: object.last };
    const id = this.nextObjectId++;
    state.pending.set(id, { customerId: object.customerId, first: object.first, bytes: object.bytes, events: object.events.length });
    this.ledger.writing(target, object.topic, object.partition, object.hour, range, object.events.map((event) => event.event_id));
    const drop = (): void => {
      // Not durable: its records are read again from here once the customer recovers.
      state.pending.delete(id);
      state.detach(object.customerId, object.first);
      this.ledger.settled(target, object.topic, object.partition, object.hour, range, false);
    };
    return this.queue.run(object.bytes, async (release): Promise<UploadOutcome> => {
      this.metrics.pendingBytes.set(this.queue.pendingBytes);
      // Taken back while it waited: its customer was detached from the partition.
      if (!state.pending.has(id)) return { kind: 'dropped' };
      // Its records were never committed: the partition's owner in the new generation reads and writes them.
      if (!state.active) {
        state.pending.delete(id);
        this.ledger.settled(target, object.topic, object.partition, object.hour, range, false);
        return { kind: 'revoked' };
      }
      if (this.health.isFailing(object.customerId)) {
        drop();
        return { kind: 'dropped' };
      }
      const stopTimer = this.metrics.writeSeconds.startTimer();
      let written;
      try {
        const claim = await this.writer.claim(target, object);
        if (claim.kind === 'claimed') {
          // Another owner (before a rebalance, or still finishing after one) ends this object elsewhere.
          state.rereadAt(object.first);
          state.pending.delete(id);
          this.ledger.settled(target, object.topic, object.partition, object.hour, range, false);
          this.ledger.claimedElsewhere(target, object.topic, object.partition, object.hour, { first: object.first, last: claim.last });
          this.metrics.claimsLost.inc({ customer: target.customerId });
          this.logger.info({ customer: target.customerId, topic: object.topic, partition: object.partition, first: object.first.toString(), last: object.last.toString(), claimedLast: claim.last.toString() }, 'object claimed by another owner with other boundaries; the partition is read again to cut there');
          return { kind: 'claimed' };
        }
        written = await this.writer.write(target, object);
      } catch (error) {
        // Marked failing before the slot frees, so the customer's next objects in the queue are dropped, not tried.
        const newlyFailing = this.health.failed(object.customerId, error as Error);
        drop();
        return { kind: 'failed', newlyFailing };
      } finally {
        stopTimer();
      }
      this.ledger.settled(target, object.topic, object.partition, object.hour, range, true);
      // Its copies are durable: what remains (the erasure list brought to the topic's end, the site
      // domains noted) waits on Kafka, not S3, so the next object's copies start meanwhile. The object
      // stays pending, holding the commit back, until both are done.
      release();
      await this.overtaken(target, written);
      this.health.written(target.customerId, { key: written.key, bytes: written.bytes, events: written.kept.length });
      this.metrics.objectsWritten.inc({ customer: target.customerId, format: target.format, reason: object.reason });
      this.metrics.eventsExported.inc({ customer: target.customerId }, written.kept.length);
      this.metrics.bytesWritten.inc({ customer: target.customerId }, written.bytes);
      this.logger.debug({ customer: target.customerId, key: written.key, records: written.kept.length, erased: object.events.length - written.kept.length, reason: object.reason }, 'object written');
      // Noted before the commit can pass these records: a domain not yet published holds commits back.
      await this.domains.observe(target.customerId, written.domainFirsts);
      state.pending.delete(id);
      this.metrics.siteDomains.set({ customer: target.customerId }, this.domains.domainsOf(target.customerId).length);
      this.metrics.sites.set({ customer: target.customerId }, this.domains.sitesOf(target.customerId).length);
      return { kind: 'written' };
    });
  }

  /**
   * An erasure published while this object was being written may have been applied to the buckets
   * (by the instance holding the erasure lease) before this write landed, leaving the subject in it.
   * So after each write the list is brought to the topic's end: every request published before the
   * write landed is then known here, and the object is rewritten if it holds one of their subjects. A
   * request published after it landed finds the object when its buckets are rewritten.
   */
  private async overtaken(target: ExportTarget, written: WrittenObject): Promise<void> {
    const current = await this.erasures.refresh();
    if (!current) this.logger.warn({ customer: target.customerId, key: written.key }, 'the erasure list could not be brought up to date after a write; an erasure published meanwhile is applied to this object by its own rewrite only');
    const erased = (event: TrackingEvent): boolean => this.erasures.erased(target.customerId, event);
    if (!written.kept.some(erased)) return;
    try {
      await this.rewriter.rewriteKey(target, written.key, erased, erased);
      this.logger.info({ customer: target.customerId, key: written.key }, 'object written while an erasure arrived: rewritten without the subject');
    } catch (error) {
      this.logger.error({ err: error, customer: target.customerId, key: written.key }, 'object written while an erasure arrived could not be rewritten; the next erasure request of the customer rewrites it');
    }
  }
}
