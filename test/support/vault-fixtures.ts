import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { TOPICS, type TrackingEvent } from '@tracking/contracts';
import { parseCustomerConfig } from '@tracking/customers';
import { DEFAULT_INGESTION_LIMITS, IngestionPipeline, type RequestFacts } from '@tracking/ingestion';
import { AvroTopicWriter, ConfluentSchemaRegistryAdapter, KafkaPublisher, TRACKING_EVENTS_TOPIC } from '@tracking/kafka';
import { ROLLUP_TABLES, VAULT_TABLES } from '@tracking/vault-schema';
import type { Message } from 'kafkajs';
import type { TestEnvironment } from './test-environment';
import { testRegistrySettings } from './test-connection';
import { testKafka } from './test-kafka';

/** A tenant of its own per test: its rows are the only ones a tenant-scoped query can see. */
export function testTenant(): string {
  return `it_vault_${randomBytes(5).toString('hex')}`;
}

/**
 * Builds events from request bodies with the gateway's own pipeline (validation, privacy, ids),
 * so the vault sees exactly what the gateway would have published.
 */
export function buildEvents(customerId: string, bodies: unknown[], facts: Partial<RequestFacts> = {}): TrackingEvent[] {
  const customer = parseCustomerConfig(customerId, { customer: { id: customerId, name: customerId } }, {});
  const pipeline = new IngestionPipeline(DEFAULT_INGESTION_LIMITS, Buffer.from('vault-fixtures-hash-key-0123456789abcdef'));
  return bodies.map((body, index) => {
    const outcome = pipeline.process(body, customer, {
      receivedAt: Date.now() + index,
      clientIp: '198.51.100.23',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0',
      doNotTrack: false,
      source: 'api',
      batchId: null,
      keyId: 'test',
      ...facts,
    });
    if (outcome.status !== 'accepted') throw new Error(`fixture event ${index} not accepted: ${JSON.stringify(outcome)}`);
    return outcome.event;
  });
}

/** Publishes events to tracking.events.v1 as the gateway does (same topic writer), acknowledged. */
export async function produceEvents(env: TestEnvironment, events: readonly TrackingEvent[], extra: Message[] = []): Promise<void> {
  const kafka = testKafka(env.kafkaBrokers, 'it-producer');
  const publisher = new KafkaPublisher(kafka);
  await publisher.connect();
  try {
    const writer = await AvroTopicWriter.create(new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl)), TRACKING_EVENTS_TOPIC);
    await publisher.send(TOPICS.trackingEvents, [...events.map((event) => writer.toMessage(event)), ...extra]);
  } finally {
    await publisher.disconnect();
  }
}

/** md5 over every row of one tenant, per vault table and rollup: two loads of the same records must agree on each. */
export async function vaultChecksums(db: Pool, tenantHk: Buffer): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const spec of [...VAULT_TABLES, ...ROLLUP_TABLES]) {
    const { rows } = await db.query<{ sum: string | null; n: number }>(
      `SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS sum, count(*)::int AS n FROM ${spec.table} t WHERE tenant_hk = $1`,
      [tenantHk],
    );
    sums[spec.table] = `${rows[0].n}:${rows[0].sum ?? '-'}`;
  }
  return sums;
}

export async function countRows(db: Pool, tenantHk: Buffer): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const spec of [...VAULT_TABLES, ...ROLLUP_TABLES]) {
    counts[spec.table] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${spec.table} WHERE tenant_hk = $1`, [tenantHk])).rows[0].n;
  }
  return counts;
}

export const uniqueId = (prefix: string): string => `${prefix}_${randomUUID()}`;
