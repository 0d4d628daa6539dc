import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { AuditRecord, RejectedEvent, TrackingEvent } from '@tracking/contracts';
import {
  AUDIT_TOPIC,
  AvroTopicWriter,
  BackgroundConnection,
  CoalescingPublisher,
  ConfluentSchemaRegistryAdapter,
  KafkaClusterProbe,
  KafkaPublisher,
  REJECTED_EVENTS_TOPIC,
  TRACKING_EVENTS_TOPIC,
  PublishError,
  WriteGate,
  createKafkaClient,
  type TopicRecords,
} from '@tracking/kafka';
import { LOGGER, METRICS_REGISTRY, ReadinessRegistry, type Logger } from '@tracking/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

export interface Publication {
  events?: readonly TrackingEvent[];
  rejected?: readonly RejectedEvent[];
  audit?: readonly AuditRecord[];
}

interface Writers {
  events: AvroTopicWriter<TrackingEvent>;
  rejected: AvroTopicWriter<RejectedEvent>;
  audit: AvroTopicWriter<AuditRecord>;
}

const SLOW_SEND_MS = 500;

/**
 * Everything the gateway writes to Kafka goes through one idempotent producer (acks=all), with
 * concurrent requests coalesced into shared produce requests. Events, bad rows and audit records of
 * one request travel in the same request, so one acknowledgement covers all three.
 */
@Injectable()
export class GatewayPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly publisher: KafkaPublisher;
  private readonly coalescer: CoalescingPublisher;
  private readonly registry: ConfluentSchemaRegistryAdapter;
  private readonly cluster: KafkaClusterProbe;
  private readonly gate: WriteGate;
  private readonly refusedAtOnce: Counter;
  private writers?: Writers;
  private readonly connection: BackgroundConnection;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) metrics: Registry,
    readiness: ReadinessRegistry,
  ) {
    const kafka = createKafkaClient(config.kafka, logger);
    this.publisher = new KafkaPublisher(kafka, { compression: config.producer.compression, timeoutMs: config.producer.ackTimeoutMs });
    const produceSeconds = new Histogram({
      name: 'gateway_kafka_produce_seconds',
      help: 'Time from sending a produce request to its acknowledgement',
      labelNames: ['acknowledged'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [metrics],
    });
    const batchRecords = new Histogram({
      name: 'gateway_kafka_batch_records',
      help: 'Records per produce request (after coalescing concurrent requests)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
      registers: [metrics],
    });
    const failures = new Counter({ name: 'gateway_kafka_produce_failures_total', help: 'Produce requests Kafka did not acknowledge', registers: [metrics] });
    this.refusedAtOnce = new Counter({
      name: 'gateway_kafka_publishes_refused_total',
      help: 'Publishes answered 503 without a produce request, because no partition of a topic could take an acks=all write',
      registers: [metrics],
    });
    const topics = [TRACKING_EVENTS_TOPIC.topic, REJECTED_EVENTS_TOPIC.topic, AUDIT_TOPIC.topic];
    this.cluster = new KafkaClusterProbe(kafka, topics);
    this.gate = new WriteGate(topics, (topic) => this.cluster.topicHealth(topic));
    this.coalescer = new CoalescingPublisher(this.publisher, {
      lingerMs: config.producer.lingerMs,
      maxRecords: config.producer.maxBatchRecords,
      maxQueuedRecords: config.producer.maxQueuedRecords,
      maxQueuedBytes: config.producer.maxQueuedBytes,
      deadlineMs: config.producer.ackTimeoutMs,
      onSend: (records, seconds, acknowledged) => {
        produceSeconds.observe({ acknowledged: String(acknowledged) }, seconds);
        batchRecords.observe(records);
        if (!acknowledged) {
          failures.inc();
          this.gate.refresh();
        }
      },
      // Acknowledgements take milliseconds; one this late may be Kafka refusing for want of replicas.
      onSlowSend: () => this.gate.refresh(),
      slowSendMs: SLOW_SEND_MS,
    });
    this.registry = new ConfluentSchemaRegistryAdapter(config.registry);
    this.connection = new BackgroundConnection('kafka', () => this.connect(), logger);
    // Until connected, readiness names why (authentication, TLS, unreachable) rather than a probe's timeout.
    readiness.register({ name: 'kafka', check: () => (this.connection.isConnected ? this.cluster.check() : this.connection.check()) });
    readiness.register({ name: 'schema_registry', check: () => this.registry.ping() });
  }

  /** Refused credentials or an untrusted certificate leave the gateway up and not ready (503), trying again; see BackgroundConnection. */
  onModuleInit(): Promise<void> {
    return this.connection.start();
  }

  private async connect(): Promise<void> {
    await Promise.all([this.publisher.connect(), this.cluster.connect()]);
    const [events, rejected, audit] = await Promise.allSettled([
      AvroTopicWriter.create(this.registry, TRACKING_EVENTS_TOPIC),
      AvroTopicWriter.create(this.registry, REJECTED_EVENTS_TOPIC),
      AvroTopicWriter.create(this.registry, AUDIT_TOPIC),
    ]);
    if (events.status === 'rejected' || rejected.status === 'rejected' || audit.status === 'rejected') {
      // Every schema that is missing, not only the first to answer: one registration fixes them all.
      const refused = [events, rejected, audit].flatMap((result) => (result.status === 'rejected' ? [result.reason as Error] : []));
      throw refused.length === 1 ? refused[0] : new AggregateError(refused, refused.map((error) => error.message).join('\n'));
    }
    this.writers = { events: events.value, rejected: rejected.value, audit: audit.value };
    this.logger.info({ schemaIds: { events: events.value.schemaId, rejected: rejected.value.schemaId, audit: audit.value.schemaId } }, 'value schemas found in the registry');
  }

  /** Resolves once Kafka acknowledged every record; rejects with PublishError otherwise. */
  publish(publication: Publication): Promise<void> {
    if (!this.writers) return Promise.reject(new PublishError(`Kafka is not connected: ${this.connection.notConnectedReason ?? 'not yet'}`));
    const { events, rejected, audit } = this.writers;
    const batch: TopicRecords[] = [];
    if (publication.events?.length) batch.push(events.records(publication.events));
    if (publication.rejected?.length) batch.push(rejected.records(publication.rejected));
    if (publication.audit?.length) batch.push(audit.records(publication.audit));
    const refusal = this.gate.refusal(batch.map((target) => target.topic));
    if (refusal) {
      this.refusedAtOnce.inc();
      return Promise.reject(new PublishError(`Kafka cannot take writes now: ${refusal}`));
    }
    return this.coalescer.publish(batch);
  }

  /** Records the group has yet to read from the topics (the status API's consumer lag). */
  consumerLag(groupId: string, topics: readonly string[]): Promise<{ lag: number; partitions: number }> {
    return this.cluster.consumerLag(groupId, topics);
  }

  /** Where each partition of the topic ends now: the records acknowledged so far lie before it. */
  topicEnds(topic: string): Promise<Map<number, bigint>> {
    return this.cluster.topicEnds(topic);
  }

  /** Records before `marks` that the group has not committed yet (0: it has handled them all). */
  uncommittedBefore(groupId: string, topic: string, marks: ReadonlyMap<number, bigint>): Promise<number> {
    return this.cluster.uncommittedBefore(groupId, topic, marks);
  }

  async onApplicationShutdown(): Promise<void> {
    // The HTTP server has stopped taking requests by now: send what waits, then disconnect.
    this.connection.stop();
    await this.coalescer.drain();
    await Promise.allSettled([this.publisher.disconnect(), this.cluster.disconnect()]);
  }
}
