import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { AvroDeserializer, CONSUMER_SUBSCRIPTIONS, HEADERS, TOPICS, customerOfSource, type SchemaRegistryPort, type TrackingEvent } from '@tracking/contracts';
import { KafkaClusterProbe, KafkaPublisher, deadLetterMessage } from '@tracking/kafka';
import { LOGGER, ReadinessRegistry, type Logger } from '@tracking/observability';
import { PartitionAssembler, type AssembledObject } from '../assembly/partition-assembler';
import { EXPORTER_CONFIG, type ExporterConfig } from '../config/exporter.config';
import { ExporterMetrics } from '../exporter.metrics';
import { EXPORT_TARGETS, KAFKA_CLIENT, SCHEMA_REGISTRY, TRACKING_EVENT_DESERIALIZER } from '../exporter.tokens';
import { SiteDomainRegistry } from '../metering/site-domain-registry';
import { BoundaryLedger } from '../s3/boundary-ledger';
import { S3Clients } from '../s3/s3-clients';
import type { ExportTargets } from '../targets/export-targets';
import type { ExportTarget } from '../targets/export-target';
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

function headerText(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/**
 * Consumes tracking events and writes them to each customer's buckets as objects (see
 * PartitionAssembler for how objects are cut). A partition's committed offset never passes a record
 * that is not yet durable in S3, so a crash reads again from there and rewrites identical objects.
 *
 * A customer whose bucket fails is detached instead of holding everyone up: its open objects are
 * dropped, its records skipped, and the first offset it missed in each partition remembered (and not
 * committed past). Probes retry its buckets with backoff; when one succeeds those partitions are read
 * again from that offset, which rewrites the other customers' objects of that span with the same bytes.
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
    this.domains = new SiteDomainRegistry(kafka, this.publisher, registry, logger);
    this.cluster = new KafkaClusterProbe(kafka);
    readiness.register({ name: 'kafka', check: () => this.cluster.check() });
    this.uploads = new UploadQueue(config.uploadConcurrency, config.maxPendingBytes);
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
    // A new generation starts from the committed offsets: whatever was open is read again.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.partitions.clear();
      this.ledger.forgetAll();
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
    await this.uploads.idle();
    await Promise.all([...this.partitions.values()].map((state) => state.queue.run(() => this.commit(state))));
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
    return new PartitionAssembler(topic, partition, this.config.limits, async (customerId, hour, first) => {
      const target = this.targets.targets.get(customerId);
      if (!target) return undefined;
      try {
        return await this.ledger.lastOffset(target, topic, partition, hour, first);
      } catch (error) {
        throw new BucketError(`cannot list s3://${target.client.bucket}: ${(error as Error).message}`, { cause: error });
      }
    }, Date.now, startAt);
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const state = this.partitionState(batch.topic, batch.partition);
    await state.queue.run(async () => {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || this.partitions.get(`${batch.topic}:${batch.partition}`) !== state) return;
        await this.uploads.room();
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
    // The CloudEvents source header names the customer: records of customers without an export are not even decoded.
    const hinted = customerOfSource(headerText(message.headers?.[HEADERS.source]));
    if (hinted !== undefined && !this.targets.targets.has(hinted)) return this.skip(state, offset, this.targets.broken.has(hinted) ? 'misconfigured' : 'not_configured');

    let event: TrackingEvent;
    try {
      if (!message.value) throw new Error('record has no value');
      event = await this.deserializer.deserialize(message.value);
    } catch (error) {
      const record = { topic: state.topic, partition: state.partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {}, timestamp: message.timestamp };
      await this.publisher.send(TOPICS.exporterDeadLetter, [deadLetterMessage(record, `undecodable: ${(error as Error).message}`)]);
      this.metrics.recordsDeadLettered.inc();
      return this.skip(state, offset, 'dead_lettered');
    }
    const target = this.targets.targets.get(event.customer_id);
    if (!target) return this.skip(state, offset, this.targets.broken.has(event.customer_id) ? 'misconfigured' : 'not_configured');
    if (this.customers.get(target.customerId)?.failing) {
      state.detach(target.customerId, offset);
      return this.skip(state, offset, 'bucket_failing');
    }
    try {
      const closed = await state.assembler.add({ offset, customerId: target.customerId, event, size: message.value?.length ?? 0 });
      for (const object of closed) void this.enqueue(state, object);
    } catch (error) {
      if (!(error instanceof BucketError)) throw error;
      this.detachCustomer(target.customerId, error, { state, offset });
      this.skip(state, offset, 'bucket_failing');
    }
  }

  private skip(state: PartitionState, offset: bigint, reason: string): void {
    state.assembler.skip(offset);
    this.metrics.recordsSkipped.inc({ reason });
  }

  /** Writes a closed object in the background; resolves true once durable, false if it failed. */
  private enqueue(state: PartitionState, object: AssembledObject): Promise<boolean> {
    const target = this.targets.targets.get(object.customerId) as ExportTarget;
    const id = this.nextObjectId++;
    const bytes = object.bytes;
    state.pending.set(id, { customerId: object.customerId, first: object.first, bytes, events: object.events.length });
    this.metrics.pendingBytes.set(this.uploads.pendingBytes + bytes);
    return this.uploads.run(bytes, async () => {
      const customer = this.customers.get(object.customerId);
      // Dropped while it waited: its customer was detached and these records will be read again.
      if (!state.pending.has(id) || customer?.failing) return false;
      const stopTimer = this.metrics.writeSeconds.startTimer();
      try {
        const written = await this.writer.write(target, object);
        stopTimer();
        state.pending.delete(id);
        this.ledger.written(target, object.topic, object.partition, object.hour, object.first, object.last);
        this.recordWritten(target, object, written.key, written.bytes);
        await this.domains.observe(target.customerId, object.events);
        this.metrics.siteDomains.set({ customer: target.customerId }, this.domains.domainsOf(target.customerId).length);
        return true;
      } catch (error) {
        state.pending.delete(id);
        this.detachCustomer(object.customerId, error as Error, { state, offset: object.first });
        return false;
      } finally {
        this.metrics.pendingBytes.set(this.uploads.pendingBytes - bytes);
      }
    });
  }

  private recordWritten(target: ExportTarget, object: AssembledObject, key: string, bytes: number): void {
    const customer = this.customers.get(target.customerId) ?? newCustomerState();
    customer.objectsWritten += 1;
    customer.eventsWritten += object.events.length;
    customer.bytesWritten += bytes;
    customer.lastExportAt = new Date().toISOString();
    customer.lastObjectKey = key;
    this.metrics.objectsWritten.inc({ customer: target.customerId, format: target.format, reason: object.reason });
    this.metrics.eventsExported.inc({ customer: target.customerId }, object.events.length);
    this.metrics.bytesWritten.inc({ customer: target.customerId }, bytes);
    this.logger.debug({ customer: target.customerId, key, records: object.events.length, reason: object.reason }, 'object written');
  }

  /**
   * Stops exporting a customer whose bucket failed: drops what it has open or waiting, and remembers
   * per partition the first offset it has not exported.
   */
  private detachCustomer(customerId: string, error: Error, at: { state: PartitionState; offset: bigint }): void {
    const customer = this.customers.get(customerId) ?? newCustomerState();
    const now = new Date();
    customer.lastError = { message: error.message, at: now.toISOString() };
    this.metrics.writeFailures.inc({ customer: customerId });
    at.state.detach(customerId, at.offset);
    if (customer.failing) return;
    customer.failing = { since: now.toISOString(), attempts: 0, nextProbeAt: Date.now() + this.backoff(0) };
    this.metrics.customerFailing.set({ customer: customerId }, 1);
    for (const state of this.partitions.values()) {
      const open = state.assembler.discard(customerId);
      if (open !== undefined) state.detach(customerId, open);
      for (const [id, object] of state.pending) {
        if (object.customerId !== customerId) continue;
        state.pending.delete(id);
        state.detach(customerId, object.first);
      }
    }
    this.logger.warn({ customer: customerId, error: error.message }, 'customer bucket failing; its export waits and resumes from where it stopped');
  }

  private backoff(attempts: number): number {
    const ceiling = Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** attempts);
    // Full jitter, so customers failing together do not probe in step.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private async tick(): Promise<void> {
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
        customer.failing.attempts += 1;
        customer.failing.nextProbeAt = Date.now() + this.backoff(customer.failing.attempts);
        customer.lastError = { message: `probe: ${(error as Error).name}: ${(error as Error).message}`, at: new Date().toISOString() };
        continue;
      }
      await this.resume(customerId);
    }
  }

  /** The customer's buckets answer again: read its partitions again from where it stopped. */
  private async resume(customerId: string): Promise<void> {
    const customer = this.customers.get(customerId);
    if (!customer) return;
    customer.failing = undefined;
    this.metrics.customerFailing.set({ customer: customerId }, 0);
    for (const state of [...this.partitions.values()]) {
      await state.queue.run(() => {
        const from = state.detached.get(customerId);
        if (from === undefined) return;
        state.detached.delete(customerId);
        // Everything open is dropped and cut again from the rewind point: the same objects result.
        const openFrom = state.assembler.safeOffset();
        const rewindTo = openFrom !== undefined && openFrom < from ? openFrom : from;
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
    const offset = state.commitOffset();
    if (offset === undefined || (state.committed !== undefined && offset <= state.committed)) return;
    if (this.partitions.get(`${state.topic}:${state.partition}`) !== state) return;
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
