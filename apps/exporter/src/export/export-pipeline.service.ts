import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import {
  AvroDecodeError,
  AvroDeserializer,
  CONSUMER_SUBSCRIPTIONS,
  TOPICS,
  type SchemaRegistryPort,
  type TrackingEvent,
} from '@tracking/contracts';
import { KAFKA_CLIENT, KafkaClusterProbe, KafkaPublisher, SCHEMA_REGISTRY, TRACKING_EVENT_DESERIALIZER, customerOfRecord, deadLetterMessage } from '@tracking/kafka';
import { LOGGER, ReadinessRegistry, type Logger } from '@tracking/observability';
import { PartitionAssembler, type AssembledObject } from '../assembly/partition-assembler';
import { EXPORTER_CONFIG, type ExporterConfig } from '../config/exporter.config';
import { ExporterMetrics } from '../exporter.metrics';
import { EXPORT_TARGETS } from '../exporter.tokens';
import { SiteDomainRegistry } from '../metering/site-domain-registry';
import { BoundaryLedger } from '../s3/boundary-ledger';
import { S3Clients } from '../s3/s3-clients';
import type { ExportTarget } from '../targets/export-target';
import type { ExportTargets } from '../targets/export-targets';
import { newCustomerState, PartitionState, type CustomerExportState } from './export-state';
import { ObjectWriter } from './object-writer';
import { UploadQueue } from './upload-queue';

/** A customer's bucket could not be listed or written. */
class BucketError extends Error {
  override readonly name = 'BucketError';
}

export interface FlushResult {
  objects: number;
  events: number;
  failed: number;
}

const TICK_MS = 1000;
/** How long consumption waits for upload room before it heartbeats and waits again. */
const ROOM_WAIT_MS = 1000;

/**
 * Consumes tracking events and writes them to each customer's buckets as objects (PartitionAssembler
 * says how objects are cut). A partition's committed offset never passes a record that is not yet
 * durable in S3, so a crash reads again from there; records already inside written objects are
 * recognised by the objects' names and skipped, the others are cut into the same objects as before.
 *
 * A customer whose bucket fails is detached instead of holding everyone up: its open and waiting
 * objects are dropped, its records skipped, and the first offset it missed in each partition kept
 * (and not committed past). Probes retry its buckets with backoff; when one succeeds, each of those
 * partitions is read again from its commit point.
 */
@Injectable()
export class ExportPipeline implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: Consumer;
  private readonly publisher: KafkaPublisher;
  private readonly cluster: KafkaClusterProbe;
  readonly domains: SiteDomainRegistry;
  private readonly clients = new S3Clients();
  private readonly ledger = new BoundaryLedger(this.clients);
  private readonly writer = new ObjectWriter(this.clients);
  private readonly uploads: UploadQueue;
  private readonly partitions = new Map<string, PartitionState>();
  readonly customers = new Map<string, CustomerExportState>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private running = false;
  private nextObjectId = 0;

  constructor(
    @Inject(EXPORTER_CONFIG) private readonly config: ExporterConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(TRACKING_EVENT_DESERIALIZER) private readonly deserializer: AvroDeserializer<TrackingEvent>,
    @Inject(EXPORT_TARGETS) readonly targets: ExportTargets,
    @Inject(SCHEMA_REGISTRY) registry: SchemaRegistryPort,
    private readonly metrics: ExporterMetrics,
    readiness: ReadinessRegistry,
  ) {
    this.consumer = kafka.consumer({
      groupId: config.groupId,
      sessionTimeout: config.sessionTimeoutMs,
      maxWaitTimeInMs: 1000,
      allowAutoTopicCreation: false,
    });
    this.publisher = new KafkaPublisher(kafka);
    this.cluster = new KafkaClusterProbe(kafka);
    this.domains = new SiteDomainRegistry(kafka, this.publisher, registry, logger);
    this.uploads = new UploadQueue(config.uploadConcurrency, config.maxPendingBytes);
    readiness.register({ name: 'kafka', check: () => this.cluster.check() });
    for (const customerId of targets.targets.keys()) this.customers.set(customerId, newCustomerState());
    for (const [customerId, error] of targets.broken) {
      this.metrics.customerMisconfigured.set({ customer: customerId }, 1);
      this.logger.error({ customer: customerId, problems: error.problems }, 'export configuration refused; this customer is not exported');
    }
    readiness.register({
      name: 'kafka_consumer',
      check: async () => {
        if (!this.running) throw new Error('consumer is not running');
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.cluster.connect();
    await this.publisher.connect();
    await this.domains.load();
    await this.consumer.connect();
    // A new generation starts from the committed offsets: whatever was open is read again, and what
    // other members may have written since is listed afresh.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.partitions.clear();
      this.ledger.forgetListings();
    });
    await this.consumer.subscribe({ topics: [...CONSUMER_SUBSCRIPTIONS.exporter], fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
    this.running = true;
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.logger.info({ groupId: this.config.groupId, customers: this.targets.targets.size, refused: this.targets.broken.size }, 'exporter consuming');
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.running = false;
    // Open objects are not flushed: their records stay uncommitted and the next run cuts them the same way.
    this.consumer.pause(CONSUMER_SUBSCRIPTIONS.exporter.map((topic) => ({ topic })));
    await Promise.all([...this.partitions.values()].map((state) => state.queue.run(() => undefined)));
    await this.uploads.idle();
    await this.commitAll();
    await this.consumer.disconnect();
    await this.publisher.disconnect();
    await this.cluster.disconnect();
    this.clients.destroy();
  }

  /** Closes the open objects (of one customer when given) now and waits until they are written. */
  async flush(customerId?: string): Promise<FlushResult> {
    const written: Array<Promise<boolean>> = [];
    let events = 0;
    await Promise.all(
      [...this.partitions.values()].map((state) =>
        state.queue.run(() => {
          for (const object of state.assembler.flush(customerId)) {
            events += object.events.length;
            written.push(this.enqueue(state, object));
          }
        }),
      ),
    );
    const outcomes = await Promise.all(written);
    await this.commitAll();
    return { objects: outcomes.filter(Boolean).length, events, failed: outcomes.filter((ok) => !ok).length };
  }

  /** Records of the topic the group has not committed yet (all customers). */
  lag(): Promise<{ lag: number; partitions: number }> {
    return this.cluster.consumerLag(this.config.groupId, CONSUMER_SUBSCRIPTIONS.exporter);
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

  private isCurrent(state: PartitionState): boolean {
    return this.partitions.get(`${state.topic}:${state.partition}`) === state;
  }

  private partitionState(topic: string, partition: number): PartitionState {
    const id = `${topic}:${partition}`;
    let state = this.partitions.get(id);
    if (!state) {
      state = new PartitionState(topic, partition, this.newAssembler(topic, partition));
      this.partitions.set(id, state);
    }
    return state;
  }

  private newAssembler(topic: string, partition: number, startAt?: bigint): PartitionAssembler {
    const lookup = async (customerId: string, hour: Parameters<BoundaryLedger['containing']>[3], offset: bigint) => {
      const target = this.targets.targets.get(customerId);
      if (!target) return undefined;
      try {
        return await this.ledger.containing(target, topic, partition, hour, offset);
      } catch (error) {
        throw new BucketError(`cannot list the objects of ${customerId}: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
      }
    };
    const exportedIds = async (customerId: string, hour: Parameters<BoundaryLedger['exportedIds']>[3], offset: bigint) => {
      const target = this.targets.targets.get(customerId);
      if (!target) return [];
      try {
        return await this.ledger.exportedIds(target, topic, partition, hour, offset);
      } catch (error) {
        throw new BucketError(`cannot read the exported ids of ${customerId}: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
      }
    };
    return new PartitionAssembler(topic, partition, this.config.limits, lookup, Date.now, startAt, exportedIds);
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const state = this.partitionState(batch.topic, batch.partition);
    await state.queue.run(async () => {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || !this.isCurrent(state)) return;
        // Waiting for room heartbeats, so a slow bucket does not get this member evicted from the group.
        while (!(await this.uploads.room(ROOM_WAIT_MS))) await heartbeat();
        await this.consume(state, message);
        resolveOffset(message.offset);
      }
      this.metrics.openEvents.set(this.countOpenEvents());
    });
    await state.queue.run(() => this.commit(state));
    await heartbeat();
  }

  private async consume(state: PartitionState, message: KafkaMessage): Promise<void> {
    const offset = BigInt(message.offset);
    this.metrics.recordsConsumed.inc();
    // The CloudEvents source header (or the key) names the customer: records of customers without an export are not even decoded.
    const hinted = customerOfRecord({ headers: message.headers ?? {}, key: message.key });
    if (hinted !== undefined && !this.targets.targets.has(hinted)) return this.skip(state, offset, this.targets.broken.has(hinted) ? 'misconfigured' : 'not_configured');

    let event: TrackingEvent;
    try {
      if (!message.value) throw new AvroDecodeError('record has no value');
      event = await this.deserializer.deserialize(message.value);
    } catch (error) {
      // Only a record that can never be read is dead-lettered; a registry outage throws, and the batch is read again.
      if (!(error instanceof AvroDecodeError)) throw error;
      const record = { topic: state.topic, partition: state.partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {}, timestamp: message.timestamp };
      await this.publisher.send(TOPICS.exporterDeadLetter, [deadLetterMessage(record, `undecodable: ${error.message}`)]);
      this.metrics.recordsDeadLettered.inc();
      return this.skip(state, offset, 'dead_lettered');
    }
    const target = this.targets.targets.get(event.customer_id);
    if (!target) return this.skip(state, offset, this.targets.broken.has(event.customer_id) ? 'misconfigured' : 'not_configured');
    // A customer still detached here: failing, or recovered but this partition not yet read again for it.
    if (this.customers.get(target.customerId)?.failing || state.detached.has(target.customerId)) {
      state.detach(target.customerId, offset);
      return this.skip(state, offset, 'bucket_failing');
    }
    let closed: AssembledObject[];
    const duplicates = state.assembler.duplicates;
    try {
      closed = await state.assembler.add({ offset, customerId: target.customerId, event, size: message.value.length });
    } catch (error) {
      if (!(error instanceof BucketError)) throw error;
      this.detachCustomer(target.customerId, error);
      state.detach(target.customerId, offset);
      return this.skip(state, offset, 'bucket_failing');
    }
    if (state.assembler.duplicates > duplicates) this.metrics.recordsSkipped.inc({ reason: 'duplicate' });
    for (const object of closed) void this.enqueue(state, object);
  }

  private skip(state: PartitionState, offset: bigint, reason: string): void {
    state.assembler.skip(offset);
    this.metrics.recordsSkipped.inc({ reason });
  }

  /** Writes a closed object in the background; resolves true once durable, false if it was dropped or failed. */
  private enqueue(state: PartitionState, object: AssembledObject): Promise<boolean> {
    const target = this.targets.targets.get(object.customerId) as ExportTarget;
    const range = { first: object.first, last: object.last };
    const id = this.nextObjectId++;
    state.pending.set(id, { customerId: object.customerId, first: object.first, bytes: object.bytes, events: object.events.length });
    this.ledger.writing(target, object.topic, object.partition, object.hour, range, object.events.map((event) => event.event_id));
    const drop = (): false => {
      // Not durable: its records are read again from here once the customer recovers.
      state.pending.delete(id);
      state.detach(object.customerId, object.first);
      this.ledger.settled(target, object.topic, object.partition, object.hour, range, false);
      return false;
    };
    return this.uploads.run(object.bytes, async () => {
      this.metrics.pendingBytes.set(this.uploads.pendingBytes);
      if (!state.pending.has(id)) return false;
      if (this.customers.get(object.customerId)?.failing) return drop();
      const stopTimer = this.metrics.writeSeconds.startTimer();
      let key: string;
      let bytes: number;
      try {
        ({ key, bytes } = await this.writer.write(target, object));
      } catch (error) {
        this.detachCustomer(object.customerId, error as Error);
        return drop();
      } finally {
        stopTimer();
      }
      this.ledger.settled(target, object.topic, object.partition, object.hour, range, true);
      this.recordWritten(target, object, key, bytes);
      // Noted before the commit can pass these records: a domain not yet published holds commits back.
      await this.domains.observe(target.customerId, object.events);
      state.pending.delete(id);
      this.metrics.siteDomains.set({ customer: target.customerId }, this.domains.domainsOf(target.customerId).length);
      return true;
    });
  }

  private recordWritten(target: ExportTarget, object: AssembledObject, key: string, bytes: number): void {
    const customer = this.customers.get(target.customerId) ?? newCustomerState();
    customer.objectsWritten += 1;
    customer.eventsWritten += object.events.length;
    customer.bytesWritten += bytes;
    customer.lastExportAt = new Date().toISOString();
    customer.lastObjectKey = key;
    customer.consecutiveFailures = 0;
    this.metrics.objectsWritten.inc({ customer: target.customerId, format: target.format, reason: object.reason });
    this.metrics.eventsExported.inc({ customer: target.customerId }, object.events.length);
    this.metrics.bytesWritten.inc({ customer: target.customerId }, bytes);
    this.logger.debug({ customer: target.customerId, key, records: object.events.length, reason: object.reason }, 'object written');
  }

  /**
   * Stops exporting a customer whose bucket failed: drops what it has open or waiting, and remembers
   * per partition the first offset it has not exported. The backoff grows with failures in a row, so
   * a failure that the probe cannot see (a write refused, an object that cannot be encoded) does not
   * make the partitions spin.
   */
  private detachCustomer(customerId: string, error: Error): void {
    const customer = this.customers.get(customerId) ?? newCustomerState();
    customer.lastError = { message: `${error.name}: ${error.message}`, at: new Date().toISOString() };
    this.metrics.writeFailures.inc({ customer: customerId });
    if (customer.failing) return;
    customer.consecutiveFailures += 1;
    customer.failing = { since: new Date().toISOString(), nextProbeAt: Date.now() + this.backoff(customer.consecutiveFailures - 1) };
    this.metrics.customerFailing.set({ customer: customerId }, 1);
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
    this.logger.warn({ customer: customerId, error: error.message }, 'customer bucket failing; its export waits and resumes from where it stopped');
  }

  private backoff(failures: number): number {
    const ceiling = Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** failures);
    // Full jitter over the upper half, so customers failing together do not probe in step.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await Promise.all([...this.partitions.values()].map((state) =>
        state.queue.run(() => {
          const expired = state.assembler.expire((customerId) => this.targets.targets.get(customerId)?.maxOpenMs ?? Number.POSITIVE_INFINITY);
          for (const object of expired) void this.enqueue(state, object);
        }),
      ));
      await this.probeFailingCustomers();
      await this.domains.publishPending();
      await this.commitAll();
      this.metrics.openEvents.set(this.countOpenEvents());
    } catch (error) {
      this.logger.error({ err: error }, 'export housekeeping failed; it runs again on the next tick');
    } finally {
      this.ticking = false;
    }
  }

  private async probeFailingCustomers(): Promise<void> {
    const now = Date.now();
    for (const [customerId, customer] of this.customers) {
      if (!customer.failing || customer.failing.nextProbeAt > now) continue;
      const target = this.targets.targets.get(customerId) as ExportTarget;
      try {
        for (const bucket of [target.client, target.backup]) {
          if (bucket) await this.clients.for(bucket).send(new HeadBucketCommand({ Bucket: bucket.bucket }));
        }
      } catch (error) {
        customer.consecutiveFailures += 1;
        customer.failing.nextProbeAt = Date.now() + this.backoff(customer.consecutiveFailures - 1);
        customer.lastError = { message: `probe: ${(error as Error).name}: ${(error as Error).message}`, at: new Date().toISOString() };
        continue;
      }
      await this.resume(customerId);
    }
  }

  /**
   * The customer's buckets answer again: each partition it missed records in is read again from its
   * commit point (which is at or before the first record it missed). Records already in written
   * objects are skipped on the way, so the others' objects are not rewritten.
   */
  private async resume(customerId: string): Promise<void> {
    const customer = this.customers.get(customerId);
    if (!customer) return;
    customer.failing = undefined;
    this.metrics.customerFailing.set({ customer: customerId }, 0);
    for (const state of [...this.partitions.values()]) {
      await state.queue.run(() => {
        if (!state.detached.has(customerId) || !this.isCurrent(state)) return;
        const rewindTo = state.commitOffset() as bigint;
        state.detached.delete(customerId);
        state.assembler = this.newAssembler(state.topic, state.partition, rewindTo);
        this.consumer.seek({ topic: state.topic, partition: state.partition, offset: rewindTo.toString() });
        this.metrics.rewinds.inc({ customer: customerId });
        this.logger.info({ customer: customerId, topic: state.topic, partition: state.partition, offset: rewindTo.toString() }, 'customer bucket recovered; reading the partition again');
      });
    }
  }

  private async commitAll(): Promise<void> {
    await Promise.all([...this.partitions.values()].map((state) => state.queue.run(() => this.commit(state))));
  }

  private async commit(state: PartitionState): Promise<void> {
    // A billing event not yet published is only in memory: keep its records uncommitted until it is.
    if (this.domains.hasUnpublished()) return;
    const offset = state.commitOffset();
    if (offset === undefined || (state.committed !== undefined && offset <= state.committed) || !this.isCurrent(state)) return;
    try {
      await this.consumer.commitOffsets([{ topic: state.topic, partition: state.partition, offset: offset.toString() }]);
      state.committed = offset;
    } catch (error) {
      // A rebalance took the partition: the next owner starts from the last commit, which is safe.
      this.logger.warn({ topic: state.topic, partition: state.partition, err: error }, 'offset commit failed');
    }
  }

  private countOpenEvents(): number {
    let events = 0;
    for (const state of this.partitions.values()) for (const count of state.assembler.openEvents().values()) events += count;
    return events;
  }
}
