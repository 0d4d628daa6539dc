import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { AssignerProtocol, PartitionAssigners, type Consumer, type EachBatchPayload, type Kafka, type PartitionAssigner } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import type { ConsumerFetchSettings } from '@tracking/config';
import { isRetriable } from '@tracking/contracts';
import type { Logger } from '@tracking/observability';
import { BackgroundConnection } from '../background-connection';
import { consumedRecord, customerOfRecord, type ConsumedRecord } from './consumed-record';
import { COMMIT_EXPLICITLY, KafkaBatchContext, type BatchOutcome, type ConsumerBatch, type ConsumerControl, type RecordInterest, type RejectedRecord } from './consumer-batch';
import type { ConsumerMetrics } from './consumer.metrics';
import type { DeadLetterPublisher } from './dead-letter.publisher';
import type { RecordDecoders } from './record-decoders';
import type { ReplayWindow } from './replay-window';

export interface KafkaConsumerOptions {
  groupId: string;
  /** The topics the service declares it reads (CONSUMER_SUBSCRIPTIONS); its handlers must match them exactly. */
  subscriptions: readonly string[];
  /** Where a group without committed offsets starts. */
  fromBeginning: boolean;
  /** How long the group waits for a member that stopped heartbeating (e.g. a killed process) before rebalancing. */
  sessionTimeoutMs: number;
  /**
   * The most one fetch brings: kafkajs fetches again only once every batch of the last fetch has
   * been handled, so this bounds the records held at once (see readConsumerFetchSettings).
   */
  fetch: ConsumerFetchSettings;
  /** Records handed to a handler at once (one transaction each); default 2000. */
  maxRecordsPerCall?: number;
  /**
   * Partitions handled at the same time (kafkajs partitionsConsumedConcurrently; each partition's
   * records stay in order); default 1. Only for handlers whose result does not depend on the order
   * partitions are handled in.
   */
  partitionsConcurrently?: number;
  /**
   * Bytes this member announces to the group with its subscription (the assignor's user data): the
   * group's description (admin describeGroups) shows them, so members can find each other.
   */
  memberUserData?: Buffer;
}

/** The assignor, announcing `userData` in this member's subscription; the assignment itself is unchanged. */
function announcing(assigner: PartitionAssigner, userData: Buffer): PartitionAssigner {
  return (config) => {
    const inner = assigner(config);
    return {
      name: inner.name,
      version: inner.version,
      assign: (group) => inner.assign(group),
      protocol: ({ topics }) => ({ name: inner.name, metadata: AssignerProtocol.MemberMetadata.encode({ version: inner.version, topics, userData }) }),
    };
  };
}

export interface KafkaBatchTransportParts {
  kafka: Kafka;
  decoders: RecordDecoders;
  deadLetters: DeadLetterPublisher;
  metrics: ConsumerMetrics;
  logger: Logger;
  replay?: ReplayWindow;
}

/** What the group coordinator answers while membership changes: a rebalance, not a failure. */
const MEMBERSHIP_CHANGES = new Set(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'NOT_COORDINATOR_FOR_GROUP', 'FENCED_INSTANCE_ID']);

/**
 * The group coordinator's answer inside what kafkajs wrapped it in: a commit refused with
 * UNKNOWN_MEMBER_ID reaches us as a KafkaJSNonRetriableError whose cause carries the type.
 */
function groupMembershipChange(error: unknown): TypedError | undefined {
  return typedErrors(error).find((typed) => MEMBERSHIP_CHANGES.has(typed.type));
}

type BatchHandler = MessageHandler<ConsumerBatch<unknown>, KafkaBatchContext, BatchOutcome>;

/**
 * The consumer runtime of every consuming service, as a NestJS custom transport: each
 * `@EventPattern(topic)` handler of the app receives the decoded, checked records of one topic
 * partition (a ConsumerBatch) and a KafkaBatchContext.
 *
 * By default the transport commits a batch's offsets only after its handler's promise resolved and
 * the records it rejected are on the dead-letter topic; if the process dies first, the batch is read
 * again, so handlers are idempotent. A handler declared with COMMIT_EXPLICITLY gets each fetched
 * batch whole and commits through `commit` itself (the exporter, whose objects span batches).
 *
 * Errors decide by their `retriable` property: a record that can never be read is dead-lettered; any
 * error a handler throws leaves the batch uncommitted, and kafkajs fetches it again after its retry
 * backoff (a database or registry outage rides out this way).
 */
export class KafkaBatchTransport extends Server implements CustomTransportStrategy, ConsumerControl {
  private readonly consumer: Consumer;
  private readonly heartbeatIntervalMs: number;
  private running = false;
  private rejoining?: Promise<void>;
  private interest?: RecordInterest;
  private connection?: BackgroundConnection;
  private gate?: Promise<unknown>;

  constructor(
    private readonly options: KafkaConsumerOptions,
    private readonly parts: KafkaBatchTransportParts,
  ) {
    super();
    // Members learn of a rebalance from a heartbeat's answer: at most a second after a member
    // leaves, instead of kafkajs's 3 s, so a graceful leave pauses the group briefly.
    this.heartbeatIntervalMs = Math.min(1000, Math.floor(options.sessionTimeoutMs / 3));
    this.consumer = parts.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatIntervalMs,
      maxBytes: options.fetch.maxBytes,
      maxBytesPerPartition: options.fetch.maxBytesPerPartition,
      // An idle fetch waits this long for data; stopping waits for that fetch, so keep it short.
      maxWaitTimeInMs: 1000,
      allowAutoTopicCreation: false,
      ...(options.memberUserData ? { partitionAssigners: [announcing(PartitionAssigners.roundRobin, options.memberUserData)] } : {}),
    });
  }

  /** Called by Nest (startAllMicroservices) once the handlers are registered. */
  listen(callback: (error?: unknown) => void): void {
    this.start().then(() => callback(), callback);
  }

  async close(): Promise<void> {
    this.connection?.stop();
    if (!this.running) return;
    this.running = false;
    // disconnect() waits for the batch in flight, so its commit still happens.
    await this.consumer.disconnect();
    this.parts.logger.info({ groupId: this.options.groupId }, 'consumer stopped');
  }

  /** Records of customers it skips are not decoded; set before the consumer starts. */
  takeInterest(interest: RecordInterest): void {
    this.interest = interest;
  }

  /**
   * Consumption starts only once `gate` resolves: a service that decides per customer what to do
   * with a record (skip it, or act on it) must know every customer first, or it would commit past
   * records of customers it has not read yet.
   */
  startAfter(gate: Promise<unknown>): void {
    this.gate = gate;
  }

  isRunning(): boolean {
    return this.running;
  }

  /** Why the consumer is not running (e.g. `authentication failed (SASL): ...`), for readiness. */
  notRunningReason(): string | undefined {
    if (this.running) return undefined;
    return this.connection?.notConnectedReason ?? 'consumer is not running';
  }

  /** Explicit commit mode: records before `offset` are done for this group. */
  async commit(topic: string, partition: number, offset: bigint): Promise<void> {
    try {
      await this.consumer.commitOffsets([{ topic, partition, offset: offset.toString() }]);
    } catch (error) {
      if (typedErrors(error).some((typed) => typed.type === 'NOT_COORDINATOR_FOR_GROUP')) this.rejoin();
      throw error;
    }
  }

  /**
   * kafkajs keeps the group coordinator it found when it joined and looks again only when that
   * connection drops. After a broker restart the coordinator may have moved while the old broker is
   * back and connected: every commit made outside a batch (explicit commit mode) then answers
   * NOT_COORDINATOR for good, and nothing else makes kafkajs rejoin (the rolling-restart drill's
   * exporter stopped committing this way). Stopping and running the consumer again rejoins the group,
   * which finds the coordinator afresh; the handler sees an ordinary rebalance (onGroupJoin).
   */
  private rejoin(): void {
    if (this.rejoining || !this.running) return;
    this.parts.logger.warn({ groupId: this.options.groupId }, 'the group coordinator moved; rejoining the group to find it');
    this.rejoining = (async () => {
      await this.consumer.stop();
      if (this.running) await this.runConsumer();
    })()
      .catch((error: unknown) => this.parts.logger.error({ err: error, groupId: this.options.groupId }, 'rejoining the group failed'))
      .finally(() => {
        this.rejoining = undefined;
      });
  }

  /** Explicit commit mode: read the partition again from `offset`. */
  seek(topic: string, partition: number, offset: bigint): void {
    this.consumer.seek({ topic, partition, offset: offset.toString() });
  }

  /** Stops fetching every subscribed topic (shutdown of a service that commits explicitly). */
  pauseAll(): void {
    this.consumer.pause(this.options.subscriptions.map((topic) => ({ topic })));
  }

  /** Called when this member joins a new group generation (its assignment may have changed). */
  onGroupJoin(listener: (assignment: Readonly<Record<string, readonly number[]>>) => void): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => listener(event.payload.memberAssignment));
  }

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's Server declares listeners as Function.
  on(event: string, callback: Function): void {
    this.consumer.on(event as Parameters<Consumer['on']>[0], callback as (...args: unknown[]) => void);
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private async start(): Promise<void> {
    const topics = [...this.messageHandlers.keys()].sort();
    const declared = [...this.options.subscriptions].sort();
    if (topics.join() !== declared.join()) {
      throw new Error(`the service declares it reads [${declared.join(', ')}] but has handlers for [${topics.join(', ')}]`);
    }
    if (this.parts.replay && topics.some((topic) => this.commitsExplicitly(topic))) {
      throw new Error('a bounded replay is not possible for a service that commits explicitly');
    }
    // Refused credentials or an untrusted certificate leave the service up and not ready, trying again (issue 16).
    this.connection = new BackgroundConnection('kafka consumer', () => this.connectAndRun(topics), this.parts.logger);
    await this.connection.start();
  }

  private async connectAndRun(topics: string[]): Promise<void> {
    // Connected first, so a cluster that refuses the service is reported as such while it waits for the gate.
    await this.consumer.connect();
    await this.gate;
    await this.consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning });
    await this.runConsumer();
    this.running = true;
    this.parts.logger.info({ groupId: this.options.groupId, topics, bounded: Boolean(this.parts.replay) }, 'consumer started');
    this.parts.replay?.started();
  }

  private runConsumer(): Promise<void> {
    return this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private handlerOf(topic: string): BatchHandler {
    return this.messageHandlers.get(topic) as BatchHandler;
  }

  private commitsExplicitly(topic: string): boolean {
    return this.handlerOf(topic).extras?.['commit'] === COMMIT_EXPLICITLY.commit;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    this.parts.metrics.consumed.inc({ topic: batch.topic }, batch.messages.length);
    const records = batch.messages.map((message) => consumedRecord(batch.topic, batch.partition, message));
    const context = new KafkaBatchContext({
      heartbeat: () => payload.heartbeat(),
      isActive: () => this.running && payload.isRunning() && !payload.isStale(),
      resolveOffset: (offset) => payload.resolveOffset(offset),
    });
    try {
      if (this.commitsExplicitly(batch.topic)) return await this.handOver(records, batch.lastOffset(), batch.highWatermark, context);
      if (this.parts.replay) return await this.handBounded(records, payload, context);
      await this.handInSlices(records, batch.lastOffset(), payload, context);
    } catch (error) {
      // Thrown back to kafkajs, which rejoins the group or fetches the batch again after its retry backoff.
      const membershipChange = groupMembershipChange(error);
      if (membershipChange) {
        this.parts.logger.info({ topic: batch.topic, partition: batch.partition, reason: membershipChange.type }, 'group rebalancing: the uncommitted rest of the batch is read again by the partition\'s next owner');
        // Unwrapped: kafkajs rejoins only on the coordinator's own error; wrapped (non-retriable) it crashed the consumer for good.
        throw membershipChange;
      }
      const level = isRetriable(error) ? 'warn' : 'error';
      this.parts.logger[level]({ err: error, topic: batch.topic, partition: batch.partition }, 'batch not processed; it is read again');
      throw error;
    }
  }

  /**
   * A fetch can hold tens of thousands of records. Handled in slices, each committed and followed by
   * a heartbeat, no single transaction outlasts the session timeout (the group would evict us and the
   * whole fetch would be read again), and a stop takes effect between slices.
   */
  private async handInSlices(records: ConsumedRecord[], lastOffset: string, payload: EachBatchPayload, context: KafkaBatchContext): Promise<void> {
    const size = this.options.maxRecordsPerCall ?? 2000;
    for (let start = 0; start < records.length; start += size) {
      if (!context.isActive()) return;
      const slice = records.slice(start, start + size);
      const last = start + size >= records.length ? lastOffset : slice[slice.length - 1].offset;
      await this.process(slice, last, context);
      await this.commitThrough(payload, slice[0].topic, slice[0].partition, last);
    }
  }

  private async handBounded(fetched: ConsumedRecord[], payload: EachBatchPayload, context: KafkaBatchContext): Promise<void> {
    const replay = this.parts.replay as ReplayWindow;
    const { topic, partition } = fetched[0];
    const selection = replay.select(topic, partition, fetched);
    if (selection.kind === 'outside') {
      this.consumer.pause([{ topic, partitions: [partition] }]);
      return;
    }
    const size = this.options.maxRecordsPerCall ?? 2000;
    for (let start = 0; start < selection.records.length; start += size) {
      if (!context.isActive()) return;
      const slice = selection.records.slice(start, start + size);
      await this.process(slice, slice[slice.length - 1].offset, context);
      await this.commitThrough(payload, topic, partition, slice[slice.length - 1].offset);
    }
    // Records of other customers were filtered out: without moving past them the next fetch would return them again, forever.
    if (selection.lastExamined !== undefined && context.isActive()) await this.commitThrough(payload, topic, partition, selection.lastExamined);
    if (selection.reachedStop) {
      this.consumer.pause([{ topic, partitions: [partition] }]);
      replay.partitionDone(topic, partition);
      this.parts.logger.info({ topic, partition, left: replay.partitionsLeft }, 'replay reached its stop offset');
    }
  }

  private async handOver(records: ConsumedRecord[], lastOffset: string, highWatermark: string, context: KafkaBatchContext): Promise<void> {
    const { topic, partition } = records[0];
    const { decoded, rejected } = await this.decode(records);
    // Dead letters first: the service may commit past these records at any time after this.
    await this.deadLetter(topic, rejected);
    const lastTimestamp = records[records.length - 1].timestamp;
    await this.invoke(topic, { topic, partition, records: decoded, lastOffset, fetched: records.length, undecodable: rejected.length, highWatermark, lastTimestamp }, context);
  }

  /** Decodes the slice, hands it to the handler, dead-letters what either refused. */
  private async process(slice: ConsumedRecord[], lastOffset: string, context: KafkaBatchContext): Promise<void> {
    const { topic, partition } = slice[0];
    const { decoded, rejected } = await this.decode(slice);
    if (decoded.length > 0) {
      const refused = await this.invoke(topic, { topic, partition, records: decoded, lastOffset, fetched: slice.length, undecodable: rejected.length }, context);
      rejected.push(...(refused ?? []));
    }
    await this.deadLetter(topic, rejected);
  }

  private async decode(records: ConsumedRecord[]): Promise<Awaited<ReturnType<RecordDecoders['decode']>>> {
    const topic = records[0].topic;
    const interest = this.interest;
    const wanted = interest
      ? records.filter((record) => {
          const customerId = customerOfRecord(record);
          const reason = customerId === undefined ? undefined : interest.skipReason(customerId);
          if (reason !== undefined) this.parts.metrics.skipped.inc({ topic, reason });
          return reason === undefined;
        })
      : records;
    return this.parts.decoders.decode(topic, wanted);
  }

  private async invoke(topic: string, batch: ConsumerBatch<unknown>, context: KafkaBatchContext): Promise<BatchOutcome> {
    return this.keepingMembership(context, async () => {
      const result = await this.handlerOf(topic)(batch, context);
      return (await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined })) as BatchOutcome;
    });
  }

  /**
   * kafkajs heartbeats only when asked (between fetches, or by the handler): a handler waiting on
   * its database longer than the session timeout (a lock held by a purge) had the member evicted
   * and its commit refused. Heartbeats go on meanwhile; their failures (a rebalance) are left to the
   * commit and heartbeat that follow the handler, which hand them to kafkajs.
   */
  private async keepingMembership<T>(context: KafkaBatchContext, work: () => Promise<T>): Promise<T> {
    let beating: Promise<void> | undefined;
    const timer = setInterval(() => {
      beating ??= context
        .heartbeat()
        .catch((error: unknown) => this.parts.logger.debug({ err: error, groupId: this.options.groupId }, 'heartbeat during a batch failed'))
        .finally(() => (beating = undefined));
    }, this.heartbeatIntervalMs);
    try {
      return await work();
    } finally {
      clearInterval(timer);
      await beating;
    }
  }

  private async deadLetter(topic: string, rejected: readonly RejectedRecord[]): Promise<void> {
    if (rejected.length === 0) return;
    await this.parts.deadLetters.publish(rejected);
    this.parts.metrics.deadLettered.inc({ topic }, rejected.length);
    this.parts.logger.warn(
      { topic, partition: rejected[0].record.partition, offsets: rejected.map((entry) => entry.record.offset), reasons: rejected.map((entry) => entry.reason) },
      'records dead-lettered',
    );
  }

  private async commitThrough(payload: EachBatchPayload, topic: string, partition: number, offset: string): Promise<void> {
    payload.resolveOffset(offset);
    await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);
    await payload.heartbeat();
  }
}

type TypedError = Error & { type: string };

/** kafkajs's typed errors (e.g. NOT_COORDINATOR_FOR_GROUP): an error and what it wraps (retries exceeded keeps the cause), outermost first. */
function typedErrors(error: unknown): TypedError[] {
  const typed: TypedError[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const link = current as { type?: unknown; originalError?: unknown; cause?: unknown };
    if (typeof link.type === 'string') typed.push(current as TypedError);
    current = link.originalError ?? link.cause;
  }
  return typed;
}
