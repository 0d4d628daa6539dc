import { Inject, Injectable } from '@nestjs/common';
import {
  AvroDecodeError,
  TOPICS,
  decodeWireFormat,
  tenantHashKey,
  type AvroDeserializer,
  type TrackingEvent,
} from '@tracking/contracts';
import type { ConsumedRecord, RecordBatch } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';
import { RawEventRepository, type RawEventRow } from '../raw/raw-event.repository';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { TRACKING_EVENT_DESERIALIZER } from './loading.tokens';
import { LoaderMetrics } from './loader.metrics';

/** A record that will never load, however often it is retried. */
export class PoisonRecordError extends Error {
  override readonly name = 'PoisonRecordError';
}

/** Checks after decoding: the Avro schema cannot say that ids are non-empty. */
function assertLoadable(event: TrackingEvent): void {
  if (!event.customer_id.trim()) throw new PoisonRecordError('customer_id is empty');
  if (!event.event_id.trim()) throw new PoisonRecordError('event_id is empty');
  if (!Number.isFinite(event.received_at)) throw new PoisonRecordError('received_at is not a timestamp');
}

/**
 * Loads one batch of tracking.events.v1 into the raw layer. Records that cannot be decoded or
 * validated go to the dead-letter topic and the rest of the batch loads; a database failure
 * fails the whole batch, so it is retried and its offsets are not committed.
 */
@Injectable()
export class RawLoadService {
  constructor(
    @Inject(TRACKING_EVENT_DESERIALIZER) private readonly deserializer: AvroDeserializer<TrackingEvent>,
    private readonly repository: RawEventRepository,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly metrics: LoaderMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async load(batch: RecordBatch): Promise<void> {
    const stopTimer = this.metrics.batchSeconds.startTimer();
    const rows: RawEventRow[] = [];
    const poisoned: Array<{ record: ConsumedRecord; reason: string }> = [];
    for (const record of batch.records) {
      try {
        rows.push(await this.toRow(record));
      } catch (error) {
        if (!(error instanceof AvroDecodeError || error instanceof PoisonRecordError)) throw error;
        poisoned.push({ record, reason: error.message });
      }
    }
    if (poisoned.length > 0) {
      await this.deadLetters.publish(poisoned);
      this.metrics.deadLettered.inc(poisoned.length);
      this.logger.warn({ topic: batch.topic, partition: batch.partition, offsets: poisoned.map((p) => p.record.offset) }, 'records dead-lettered');
    }
    const inserted = await this.repository.insertBatch(rows);
    this.metrics.recordsConsumed.inc(batch.records.length);
    this.metrics.rowsInserted.inc({ table: 'raw.site_tracking_events_r' }, inserted);
    this.metrics.duplicatesSkipped.inc(rows.length - inserted);
    stopTimer();
  }

  private async toRow(record: ConsumedRecord): Promise<RawEventRow> {
    if (!record.value) throw new PoisonRecordError('record has no value');
    const event = await this.deserializer.deserialize(record.value);
    assertLoadable(event);
    return {
      tenantHk: tenantHashKey(event.customer_id),
      eventId: event.event_id,
      customerId: event.customer_id,
      loadDate: new Date(event.received_at),
      recordSource: TOPICS.trackingEvents,
      kafkaTopic: record.topic,
      kafkaPartition: record.partition,
      kafkaOffset: record.offset,
      schemaId: decodeWireFormat(record.value).schemaId,
      rawPayload: JSON.stringify(event),
    };
  }
}
