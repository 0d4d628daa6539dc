import { Inject, Injectable } from '@nestjs/common';
import { DependencyUnavailableError, type AuditRecord, type TrackingEvent } from '@tracking/contracts';
import type { ConsumerBatch, ConsumedRecord, DecodedRecord, RejectedRecord } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';
import { RAW_EVENTS } from '@tracking/vault-schema';
import { SiteCatalog } from '../sites/site-catalog';
import { anonymiseEvent } from '../vault/anonymise';
import { BatchHashes, VaultRows, mapAuditRecord, mapTrackingEvent, type RecordPosition } from '../vault/vault-model';
import { VaultRepository, type ErasedSubject } from '../vault/vault.repository';
import { isDatabaseUnavailable } from './database-errors';
import { LoaderMetrics } from './loader.metrics';
import { RetentionPolicy } from './retention.policy';

type Decoded =
  | { kind: 'event'; record: ConsumedRecord; position: RecordPosition; value: TrackingEvent }
  | { kind: 'audit'; record: ConsumedRecord; position: RecordPosition; value: AuditRecord };

function positionOf({ record, schemaId }: DecodedRecord<unknown>): RecordPosition {
  return { topic: record.topic, partition: record.partition, offset: record.offset, schemaId };
}

/**
 * Loads one batch into the vault in one transaction. If the database is unavailable the whole batch
 * fails and is retried (its offsets stay uncommitted); if the data of some record is refused, the
 * batch is split until the refused records are found, and only those are handed back to be
 * dead-lettered. Records that could not be decoded never get here: the transport dead-letters them.
 */
@Injectable()
export class VaultLoadService {
  constructor(
    private readonly repository: VaultRepository,
    private readonly retention: RetentionPolicy,
    private readonly metrics: LoaderMetrics,
    private readonly sites: SiteCatalog,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  loadEvents(batch: ConsumerBatch<TrackingEvent>): Promise<RejectedRecord[]> {
    return this.load(batch, batch.records.map((item) => ({ kind: 'event', record: item.record, position: positionOf(item), value: item.value })));
  }

  loadAudits(batch: ConsumerBatch<AuditRecord>): Promise<RejectedRecord[]> {
    return this.load(batch, batch.records.map((item) => ({ kind: 'audit', record: item.record, position: positionOf(item), value: item.value })));
  }

  private async load(batch: ConsumerBatch<unknown>, decoded: Decoded[]): Promise<RejectedRecord[]> {
    const started = performance.now();
    const stopTimer = this.metrics.batchSeconds.startTimer({ topic: batch.topic });
    // The erasure check and the mapping hash the same visitors: once for both.
    const hashes = new BatchHashes();
    const loadable = await this.prepare(decoded, hashes);
    const report = {
      topic: batch.topic,
      partition: batch.partition,
      firstOffset: batch.records[0].record.offset,
      lastOffset: batch.lastOffset,
      records: batch.fetched,
      deadLettered: batch.undecodable,
      durationMs: 0,
    };
    let refused: RejectedRecord[] = [];
    try {
      const rows = this.rowsOf(loadable, hashes);
      report.durationMs = performance.now() - started;
      this.count(await this.repository.load(rows, report), loadable);
    } catch (error) {
      this.throwIfUnavailable(error);
      this.logger.warn({ err: error, topic: batch.topic, partition: batch.partition }, 'batch refused by the database; isolating the refused records');
      refused = await this.loadBisecting(loadable);
    }
    stopTimer();
    return refused;
  }

  /** Drops what retention has already purged and anonymises events of erased people. */
  private async prepare(decoded: Decoded[], hashes: BatchHashes): Promise<Decoded[]> {
    const current = decoded.filter((item) => item.kind !== 'event' || !this.retention.expired(item.value.customer_id, item.value.received_at));
    const subjects = (event: TrackingEvent): ErasedSubject[] => {
      const tenantHk = hashes.tenant(event.customer_id);
      return [
        ...(event.visitor_id ? [{ tenantHk, subjectType: 'visitor' as const, subjectHk: hashes.key(event.customer_id, event.visitor_id) }] : []),
        ...(event.user_id ? [{ tenantHk, subjectType: 'user' as const, subjectHk: hashes.key(event.customer_id, event.user_id) }] : []),
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

  private rowsOf(items: readonly Decoded[], hashes?: BatchHashes): VaultRows {
    const rows = new VaultRows(hashes);
    for (const item of items) {
      if (item.kind === 'event') mapTrackingEvent(item.value, item.position, rows, this.sites.sitesOf(item.value.customer_id));
      else mapAuditRecord(item.value, item.position, rows);
    }
    return rows;
  }

  /**
   * Halves a refused batch until the refused records stand alone: a poison record costs a few
   * transactions (about 2 log2 n), not one transaction per record of its batch.
   */
  private async loadBisecting(items: readonly Decoded[]): Promise<RejectedRecord[]> {
    try {
      this.count(await this.repository.load(this.rowsOf(items)), items);
      return [];
    } catch (error) {
      this.throwIfUnavailable(error);
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

  /** The database, not the data, failed: the batch is tried again as a whole. */
  private throwIfUnavailable(error: unknown): void {
    if (isDatabaseUnavailable(error)) throw new DependencyUnavailableError(`the database is unavailable: ${(error as Error).message}`, { cause: error });
  }
}
