import type { Message } from 'kafkajs';
import type { SchemaRegistryPort, TrackingEvent } from '@tracking/contracts';
import type { CustomerConfig } from '@tracking/customers';
import { DEFAULT_INGESTION_LIMITS, IngestionPipeline } from '@tracking/ingestion';
import { AvroTopicWriter, TRACKING_EVENTS_TOPIC } from '@tracking/kafka';

/** A small seeded PRNG (mulberry32): the same run makes the same bodies, so runs compare. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PAGES = ['/', '/services/massage-therapy', '/services/facials', '/book', '/gift-cards', '/about', '/blog/winter-skin-care', '/contact'];
const SOURCES = ['google', 'newsletter', 'instagram', 'facebook', 'partner'];
const EVENT_TYPES = ['page_view', 'page_view', 'page_view', 'item_interaction', 'form_submission', 'content_engagement'];

/**
 * Request bodies shaped like seed 000's examples (about 400-500 bytes of JSON): mostly page views
 * over a few hundred sessions and visitors, some with campaign parameters, some with a user id.
 */
export function trackBodies(count: number, seed = 1): Array<Record<string, unknown>> {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const bodies: Array<Record<string, unknown>> = [];
  for (let i = 0; i < count; i++) {
    const session = Math.floor(random() * 500);
    const campaign = random() < 0.3 ? `?utm_source=${pick(SOURCES)}&utm_medium=cpc&utm_campaign=winter_${session % 7}` : '';
    const eventType = pick(EVENT_TYPES);
    bodies.push({
      event_type: eventType,
      page_url: `https://bench.example${pick(PAGES)}${campaign}`,
      referrer: random() < 0.5 ? 'https://www.google.com/' : undefined,
      event_data: {
        page_title: 'Bench page',
        session_id: `sess_bench_${seed}_${session}`,
        visitor_id: `visitor_bench_${seed}_${session % 300}`,
        ...(random() < 0.2 ? { user_id: `user_${session % 120}` } : {}),
        ...(eventType === 'item_interaction' ? { action: 'add_to_cart', product_id: `sku_${i % 50}`, product_price: 49.5, quantity: 1 } : {}),
        location_id: `location_${session % 4}`,
        sequence: i,
      },
    });
  }
  return bodies;
}

/** Bulk request bodies of `perRequest` events each. */
export function bulkBodies(events: ReadonlyArray<Record<string, unknown>>, perRequest: number): Array<Record<string, unknown>> {
  const bodies: Array<Record<string, unknown>> = [];
  for (let i = 0; i < events.length; i += perRequest) {
    bodies.push({ batch_id: `bench-batch-${i / perRequest}`, events: events.slice(i, i + perRequest) });
  }
  return bodies;
}

/**
 * The records the gateway would publish for these bodies: the same ingestion pipeline (validation,
 * privacy rules, enrichment) and the same Avro encoding, key and headers.
 */
export class RecordFactory {
  private readonly pipeline: IngestionPipeline;

  private constructor(
    private readonly customer: CustomerConfig,
    private readonly writer: AvroTopicWriter<TrackingEvent>,
    hashKey: Buffer,
  ) {
    this.pipeline = new IngestionPipeline(DEFAULT_INGESTION_LIMITS, hashKey);
  }

  static async create(registry: SchemaRegistryPort, customer: CustomerConfig, hashKey: Buffer): Promise<RecordFactory> {
    return new RecordFactory(customer, await AvroTopicWriter.create(registry, TRACKING_EVENTS_TOPIC), hashKey);
  }

  get topic(): string {
    return this.writer.topic;
  }

  event(body: unknown, receivedAt = Date.now()): TrackingEvent {
    const outcome = this.pipeline.process(body, this.customer, {
      receivedAt,
      clientIp: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      doNotTrack: false,
      source: 'bulk',
      batchId: null,
      keyId: 'bench',
    });
    if (outcome.status !== 'accepted') throw new Error(`bench body not accepted: ${JSON.stringify(outcome)}`);
    return outcome.event;
  }

  message(body: unknown, receivedAt?: number): Message {
    return this.writer.toMessage(this.event(body, receivedAt));
  }
}
