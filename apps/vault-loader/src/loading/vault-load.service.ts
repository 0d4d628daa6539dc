import { Inject, Injectable } from '@nestjs/common';
import {
  AvroDecodeError,
  TOPICS,
  hashKey,
  tenantHashKey,
  type AuditRecord,
  type AvroDeserializer,
  type TrackingEvent,
} from '@tracking/contracts';
import { TRACKING_EVENT_DESERIALIZER, type ConsumedRecord, type RecordBatch } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';
import { RAW_EVENTS } from '@tracking/vault-schema';
import { anonymiseEvent } from '../vault/anonymise';
import { VaultRows, mapAuditRecord, mapTrackingEvent, type RecordPosition } from '../vault/vault-model';
import { VaultRepository, type ErasedSubject } from '../vault/vault.repository';
import { isDatabaseUnavailable } from './database-errors';
import { DeadLetterPublisher, type DeadLetter } from './dead-letter.publisher';
import { LoaderMetrics } from './loader.metrics';
import { AUDIT_RECORD_DESERIALIZER } from './loading.tokens';
import { RetentionPolicy } from './retention.policy';

/** A record that will never load, however often it is retried. */
export class PoisonRecordError extends Error {
  override readonly name = 'PoisonRecordError';
}

type Decoded =
  | { kind: 'event'; record: ConsumedRecord; position: RecordPosition; value: TrackingEvent }
  | { kind: 'audit'; record: ConsumedRecord; position: RecordPosition; value: AuditRecord };

/** Checks after decoding that the Avro schema cannot express. */
function assertLoadable(decoded: Decoded): void {
  if (decoded.kind === 'event') {
    if (!decoded.value.customer_id.trim()) throw new PoisonRecordError('customer_id is empty');
    if (!decoded.value.event_id.trim()) throw new PoisonRecordError('event_id is empty');
  } else if (!decoded.value.audit_id.trim()) {
    throw new PoisonRecordError('audit_id is empty');
  }
}

/**
 * Loads one batch into the vault in one transaction. Records that cannot be decoded or validated
 * go to the dead-letter topic and the rest loads. If the database is unavailable the whole batch
 * fails and is retried (its offsets stay uncommitted); if the data of some record is refused, the
 * batch is split until the refused records are found, and only those are dead-lettered.
 */
@Injectable()
export class VaultLoadService {
  constructor(
    @Inject(TRACKING_EVENT_DESERIALIZER) private readonly events: AvroDeserializer<TrackingEvent>,
    @Inject(AUDIT_RECORD_DESERIALIZER) private readonly audits: AvroDeserializer<AuditRecord>,
    private readonly repository: VaultRepository,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly retention: RetentionPolicy,
    private readonly metrics: LoaderMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async load(batch: RecordBatch): Promise<void> {
    const started = performance.now();
    const stopTimer = this.metrics.batchSeconds.startTimer({ topic: batch.topic });
    const decoded: Decoded[] = [];
    const poisoned: DeadLetter[] = [];
    for (const record of batch.records) {
      try {
        const item = await this.decode(record);
        assertLoadable(item);
        decoded.push(item);
      } catch (error) {
        if (!(error instanceof AvroDecodeError || error instanceof PoisonRecordError)) throw error;
        poisoned.push({ record, reason: error.message });
      }
    }

    const loadable = await this.prepare(decoded);
    const report = {
      topic: batch.topic,
      partition: batch.partition,
      firstOffset: batch.records[0].offset,
      lastOffset: batch.records[batch.records.length - 1].offset,
      records: batch.records.length,
      deadLettered: poisoned.length,
      durationMs: 0,
    };
    try {
      const rows = this.rowsOf(loadable);
      report.durationMs = performance.now() - started;
      this.count(await this.repository.load(rows, report), loadable);
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      this.logger.warn({ err: error, topic: batch.topic, partition: batch.partition }, 'batch refused by the database; isolating the refused records');
      poisoned.push(...(await this.loadBisecting(loadable)));
    }

    if (poisoned.length > 0) {
      await this.deadLetters.publish(poisoned);
      this.metrics.deadLettered.inc(poisoned.length);
      this.logger.warn(
        { topic: batch.topic, partition: batch.partition, offsets: poisoned.map((p) => p.record.offset), reasons: poisoned.map((p) => p.reason) },
        'records dead-lettered',
      );
    }
    this.metrics.recordsConsumed.inc({ topic: batch.topic }, batch.records.length);
    stopTimer();
  }

  private async decode(record: ConsumedRecord): Promise<Decoded> {
    if (!record.value) throw new PoisonRecordError('record has no value');
    const at = { topic: record.topic, partition: record.partition, offset: record.offset };
    if (record.topic === TOPICS.trackingAudit) {
      const { value, schemaId } = await this.audits.deserializeWithSchemaId(record.value);
      return { kind: 'audit', record, position: { ...at, schemaId }, value };
    }
    const { value, schemaId } = await this.events.deserializeWithSchemaId(record.value);
    return { kind: 'event', record, position: { ...at, schemaId }, value };
  }

  /** Drops what retention has already purged and anonymises events of erased people. */
  private async prepare(decoded: Decoded[]): Promise<Decoded[]> {
    const current = decoded.filter((item) => item.kind !== 'event' || !this.retention.expired(item.value.customer_id, item.value.received_at));
    const subjects = (event: TrackingEvent): ErasedSubject[] => {
      const tenantHk = tenantHashKey(event.customer_id);
      return [
        ...(event.visitor_id ? [{ tenantHk, subjectType: 'visitor' as const, subjectHk: hashKey(event.customer_id, event.visitor_id) }] : []),
        ...(event.user_id ? [{ tenantHk, subjectType: 'user' as const, subjectHk: hashKey(event.customer_id, event.user_id) }] : []),
      ];
    };
    const erased = await this.repository.erased(current.flatMap((item) => (item.kind === 'event' ? subjects(item.value) : [])));
    if (erased.size === 0) return current;
    return current.map((item) =>
      item.kind === 'event' && subjects(item.value).some((subject) => erased.has(subject.subjectHk.toString('hex')))
        ? { ...item, value: anonymiseEvent(item.value) }
        : item,
    );
  }

  private rowsOf(items: readonly Decoded[]): VaultRows {
    const rows = new VaultRows();
    for (const item of items) {
      if (item.kind === 'event') mapTrackingEvent(item.value, item.position, rows);
      else mapAuditRecord(item.value, item.position, rows);
    }
    return rows;
  }

  /**
   * Halves a refused batch until the refused records stand alone: a poison record costs a few
   * transactions (about 2 log2 n), not one transaction per record of its batch.
   */
  private async loadBisecting(items: readonly Decoded[]): Promise<DeadLetter[]> {
    try {
      this.count(await this.repository.load(this.rowsOf(items)), items);
      return [];
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      if (items.length === 1) return [{ record: items[0].record, reason: `refused by the database: ${(error as Error).message}` }];
      const middle = Math.ceil(items.length / 2);
      return [...(await this.loadBisecting(items.slice(0, middle))), ...(await this.loadBisecting(items.slice(middle)))];
    }
  }

  private count(inserted: Map<string, number>, items: readonly Decoded[]): void {
    for (const [table, rows] of inserted) this.metrics.rowsInserted.inc({ table }, rows);
    const events = items.filter((item) => item.kind === 'event').length;
    this.metrics.duplicatesSkipped.inc(Math.max(0, events - (inserted.get(RAW_EVENTS.table) ?? 0)));
  }
}
