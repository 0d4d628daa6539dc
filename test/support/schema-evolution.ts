import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import * as avro from 'avsc';
import { AvroSerializer, eventMessageKey, trackingEventHeaders, type AvroSchemaFile, type TrackingEvent } from '@tracking/contracts';
import type { CustomerConfig } from '@tracking/customers';
import { DEFAULT_INGESTION_LIMITS, IngestionPipeline, type RequestFacts } from '@tracking/ingestion';
import type { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { testKafka } from './test-kafka';

/**
 * schemas/avro/tracking-event.v1.avsc as it was before site_id (version 1 of tracking.events.v1-value
 * on every registry that ran the platform before the change), frozen here byte for byte from git.
 * The next evolution freezes the current file the same way (docs/schema-evolution.md).
 */
export const TRACKING_EVENT_BEFORE_SITE_ID: AvroSchemaFile = (() => {
  const fileName = 'tracking-event.v1.before-site-id.avsc';
  const text = JSON.stringify(JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'schemas', fileName), 'utf8')));
  return { fileName, text, type: avro.Type.forSchema(JSON.parse(text)) };
})();

/** A record as a gateway from before the change wrote it: every field but site_id. */
export type TrackingEventBeforeSiteId = Omit<TrackingEvent, 'site_id'>;

export function recordBeforeSiteId(event: TrackingEvent): TrackingEventBeforeSiteId {
  const { site_id: _siteId, ...before } = event;
  return before;
}

const SPEC_HASH_KEY = Buffer.from('schema-evolution-support-hash-key');

/**
 * Request bodies through the very pipeline the gateway and the backfill run, as the events it would
 * publish now (with site_id). Rejected or dropped bodies throw: a replay fixture must be complete.
 */
export function pipelineEvents(customer: CustomerConfig, bodies: readonly unknown[], facts: Partial<RequestFacts> = {}): TrackingEvent[] {
  const pipeline = new IngestionPipeline(DEFAULT_INGESTION_LIMITS, SPEC_HASH_KEY);
  const full: RequestFacts = { receivedAt: Date.parse('2026-01-05T10:00:00Z'), clientIp: '203.0.113.9', userAgent: 'Mozilla/5.0', doNotTrack: false, source: 'api', batchId: null, keyId: null, ...facts };
  return bodies.map((body, index) => {
    const outcome = pipeline.process(body, customer, full);
    if (outcome.status !== 'accepted') throw new Error(`body ${index} was not accepted: ${JSON.stringify(outcome)}`);
    return outcome.event;
  });
}

export interface OldRecordsWritten {
  /** The registry id of the old schema the records carry. */
  schemaId: number;
  subject: string;
}

/**
 * Writes records "from before the change" onto a topic: the events without site_id, encoded with
 * the old schema (version 1 of the topic's subject on a registry that ran the platform before the
 * change; elsewhere registered under `<topic>-value-before-site-id`), Confluent wire format, the platform's
 * message key and CloudEvents headers, acknowledged by all replicas. A replay of these through any
 * consumer must give what the same events written now would give.
 *
 * `subject`: find or register the old schema under this one instead; the schema-evolution spec
 * passes tracking.events.v1-value on a registry of its own, where it is meant to be version 1.
 */
export async function writeRecordsBeforeSiteId(options: {
  brokers: string[];
  registry: ConfluentSchemaRegistryAdapter;
  topic: string;
  subject?: string;
  events: readonly TrackingEvent[];
}): Promise<OldRecordsWritten> {
  const schema = TRACKING_EVENT_BEFORE_SITE_ID;
  const topicSubject = `${options.topic}-value`;
  const found = options.subject === undefined ? await options.registry.find(topicSubject, schema.text) : undefined;
  // A registry that never ran the platform before the change (a fresh stack in CI) must not get the
  // old schema as the topic subject's latest version: every later writer and check reads "latest".
  // Records name their schema by id, so a subject of its own serves the old writer as well.
  const subject = options.subject ?? (found ? topicSubject : `${topicSubject}-before-site-id`);
  const schemaId = found?.id ?? (await options.registry.find(subject, schema.text))?.id ?? (await options.registry.register(subject, schema.text)).id;
  const serializer = new AvroSerializer<TrackingEventBeforeSiteId>(schemaId, schema.type);
  const producer = testKafka(options.brokers, 'schema-evolution-old-writer').producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({
      topic: options.topic,
      acks: -1,
      messages: options.events.map((event) => ({
        key: eventMessageKey(event),
        value: serializer.serialize(recordBeforeSiteId(event)),
        headers: trackingEventHeaders(event),
      })),
    });
  } finally {
    await producer.disconnect();
  }
  return { schemaId, subject };
}
