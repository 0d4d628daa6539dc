import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  AvroDeserializer,
  HEADERS,
  TOPICS,
  TRACKING_EVENT_SCHEMA_FILE,
  customerOfSource,
  readAvroSchema,
  type TrackingEvent,
} from '@tracking/contracts';
import { ConfluentSchemaRegistryAdapter, createKafkaClient } from '@tracking/kafka';
import { ApiError } from '@tracking/http';
import { LOGGER, METRICS_REGISTRY, type Logger } from '@tracking/observability';
import { ErasureList } from '@tracking/privacy';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { LiveStreams, type LiveSubscriber, type OpenRefusal } from './live-streams';

/** How long the reader keeps following the topic after its last stream closed (a reload reopens at once). */
const IDLE_STOP_MS = 30_000;
/** Events each customer's streams were sent, kept by id for the journey of one not loaded yet. */
const RECENT_PER_CUSTOMER = 1000;

/** An event this instance's reader decoded, with where it lies in the topic. */
export interface SeenEvent {
  event: TrackingEvent;
  partition: number;
  offset: string;
}

/** The customer a record belongs to, from its headers (ce_source) or else its key (`<customer>:…`), never from its value. */
export function recordCustomer(message: Pick<KafkaMessage, 'headers' | 'key'>): string | undefined {
  const source = message.headers?.[HEADERS.source];
  const text = Buffer.isBuffer(source) ? source.toString('utf8') : typeof source === 'string' ? source : undefined;
  const fromHeader = customerOfSource(text);
  if (fromHeader !== undefined) return fromHeader;
  const key = message.key?.toString('utf8');
  const colon = key?.indexOf(':') ?? -1;
  return key !== undefined && colon > 0 ? key.slice(0, colon) : undefined;
}

/**
 * Follows tracking.events.v1 from its end for the live streams of this gateway instance: one
 * consumer per instance, whatever the number of streams, started with the first stream and stopped
 * a while after the last. Each instance reads every partition itself (a consumer group of its own,
 * random name, that never commits), so several instances each see every record and no service's
 * committed offsets move. A record goes to the customers with an open stream by its ce_source header
 * (or key): only those records are decoded, another tenant's value is never parsed.
 */
@Injectable()
export class LiveEventsReader implements BeforeApplicationShutdown {
  readonly streams: LiveStreams<TrackingEvent>;
  private consumer?: Consumer;
  private erasures?: ErasureList;
  private starting?: Promise<void>;
  private idleTimer?: NodeJS.Timeout;
  private stopping = false;
  private readonly deserializer: AvroDeserializer<TrackingEvent>;
  private readonly registry: ConfluentSchemaRegistryAdapter;
  private readonly decoded: Counter<'customer_id'>;
  private readonly skipped: Counter;
  private readonly erased: Counter;
  private readonly refused: Counter<'cap'>;
  private readonly recent = new Map<string, Map<string, SeenEvent>>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'kafka' | 'registry' | 'console'>,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.registry = new ConfluentSchemaRegistryAdapter(config.registry);
    this.deserializer = new AvroDeserializer<TrackingEvent>(this.registry, readAvroSchema(TRACKING_EVENT_SCHEMA_FILE).type);
    const open = new Gauge({ name: 'gateway_live_streams', help: 'Live event streams open on this instance', registers: [metrics] });
    const opened = new Counter({ name: 'gateway_live_streams_opened_total', help: 'Live event streams opened', registers: [metrics] });
    const dropped = new Counter({
      name: 'gateway_live_events_dropped_total',
      help: "Live events not sent because the client's connection could not take them (back-pressure)",
      registers: [metrics],
    });
    this.refused = new Counter({ name: 'gateway_live_streams_refused_total', help: 'Live event streams refused (429) by a cap', labelNames: ['cap'], registers: [metrics] });
    this.decoded = new Counter({
      name: 'gateway_live_records_decoded_total',
      help: 'tracking.events.v1 records the live reader decoded, by customer (only customers with an open stream)',
      labelNames: ['customer_id'],
      registers: [metrics],
    });
    this.skipped = new Counter({
      name: 'gateway_live_records_skipped_total',
      help: 'tracking.events.v1 records the live reader passed over undecoded (no stream of their customer open)',
      registers: [metrics],
    });
    this.erased = new Counter({ name: 'gateway_live_events_erased_total', help: 'Live events withheld because their subject is erased', registers: [metrics] });
    this.streams = new LiveStreams<TrackingEvent>(config.console.live, {
      opened: () => {
        open.inc();
        opened.inc();
      },
      closed: () => open.dec(),
      dropped: () => dropped.inc(),
    });
  }

  /**
   * Adds a stream and makes sure the reader runs; resolves once the reader follows the topic (a record
   * acknowledged after that reaches the stream), or with the cap that refuses the stream.
   */
  async open(subscriber: LiveSubscriber<TrackingEvent>): Promise<OpenRefusal | undefined> {
    if (this.stopping) throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'The gateway is shutting down');
    const refusal = this.streams.open(subscriber);
    if (refusal) {
      this.refused.inc({ cap: refusal.refused });
      return refusal;
    }
    clearTimeout(this.idleTimer);
    try {
      await this.ensureStarted();
    } catch (error) {
      this.streams.remove(subscriber);
      throw error;
    }
    return undefined;
  }

  close(subscriber: LiveSubscriber<TrackingEvent>): void {
    this.streams.remove(subscriber);
    if (this.streams.size === 0 && !this.stopping) {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => {
        if (this.streams.size === 0) void this.stopReading();
      }, IDLE_STOP_MS);
      this.idleTimer.unref();
    }
  }

  /** Whether the reader's consumer is connected (tests and metrics: no consumer outlives its streams for long). */
  get reading(): boolean {
    return this.consumer !== undefined;
  }

  private ensureStarted(): Promise<void> {
    this.starting ??= this.start().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async start(): Promise<void> {
    const kafka = createKafkaClient(this.config.kafka, this.logger);
    const erasures = new ErasureList(kafka, this.registry, this.logger, { readerName: 'gateway-live' });
    const topic = TOPICS.trackingEvents;
    const admin = kafka.admin();
    await admin.connect();
    let ends: Array<{ partition: number; high: string }>;
    try {
      ends = await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect();
    }
    const consumer = kafka.consumer({
      // A group of one member per instance, never committed: no other reader's offsets move.
      groupId: `gateway-live-${randomUUID()}`,
      maxWaitTimeInMs: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
    });
    try {
      await Promise.all([erasures.start(), consumer.connect()]);
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => this.handle(batch.partition, batch.messages) });
      // From the ends seen before joining: whatever is acknowledged from now on is read, nothing older.
      for (const end of ends) consumer.seek({ topic, partition: end.partition, offset: end.high });
    } catch (error) {
      await Promise.allSettled([consumer.disconnect(), erasures.stop()]);
      throw error;
    }
    this.consumer = consumer;
    this.erasures = erasures;
    this.logger.info({ topic, partitions: ends.length }, 'live events: following the topic');
  }

  private async handle(partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    for (const message of messages) {
      const customerId = recordCustomer(message);
      if (customerId === undefined || !this.streams.wants(customerId) || !message.value) {
        this.skipped.inc();
        continue;
      }
      let event: TrackingEvent;
      try {
        event = await this.deserializer.deserialize(message.value);
      } catch (error) {
        this.logger.warn({ err: error, offset: message.offset }, 'live events: a record could not be decoded; skipped');
        continue;
      }
      this.decoded.inc({ customer_id: customerId });
      // A record whose value names another customer than its header is not shown to either.
      if (event.customer_id !== customerId) continue;
      if (this.erasures?.isErased(customerId, { visitorId: event.visitor_id, userId: event.user_id })) {
        this.erased.inc();
        continue;
      }
      this.remember(customerId, { event, partition, offset: message.offset });
      this.streams.publish(customerId, event);
    }
  }

  /** An event of the customer this instance's reader sent to its streams lately (the journey before the vault has it). */
  seen(customerId: string, eventId: string): SeenEvent | undefined {
    return this.recent.get(customerId)?.get(eventId);
  }

  private remember(customerId: string, seen: SeenEvent): void {
    let events = this.recent.get(customerId);
    if (!events) this.recent.set(customerId, (events = new Map()));
    events.set(seen.event.event_id, seen);
    if (events.size > RECENT_PER_CUSTOMER) events.delete(events.keys().next().value as string);
  }

  private async stopReading(): Promise<void> {
    const starting = this.starting;
    this.starting = undefined;
    await starting?.catch(() => undefined);
    const [consumer, erasures] = [this.consumer, this.erasures];
    this.consumer = undefined;
    this.erasures = undefined;
    await Promise.allSettled([consumer?.disconnect(), erasures?.stop()]);
    if (consumer) this.logger.info('live events: stopped following the topic');
  }

  /** Before the HTTP server closes (it would wait for open streams): end every stream, then the reader. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.idleTimer);
    this.streams.closeAll('The gateway is shutting down');
    await this.stopReading();
  }
}
