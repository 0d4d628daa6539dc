import { Inject, Injectable } from '@nestjs/common';
import { DependencyUnavailableError, isRetriable, type AuditRecord, type TrackingEvent } from '@tracking/contracts';
import type { ConsumerBatch, ConsumedRecord, DecodedRecord, RejectedRecord } from '@tracking/kafka';
import { LOGGER, type Logger } from '@tracking/observability';
import { ERASURE_LIST, type ErasureList } from '@tracking/privacy';
import { RAW_EVENTS } from '@tracking/vault-schema';
import { SiteCatalog } from '../sites/site-catalog';
import { anonymiseEvent } from '../vault/anonymise';
import { BatchHashes, VaultRows, mapAuditRecord, mapTrackingEvent, type RecordPosition } from '../vault/vault-model';
import { VaultRepository, type BatchReport, type ErasedSubject, type ErasureCheck } from '../vault/vault.repository';
import { VAULT_LOADER_CONFIG, type VaultLoaderConfig } from '../config/vault-loader.config';
import { isDatabaseUnavailable } from './database-errors';
import { LoaderMetrics } from './loader.metrics';
import { GroupCommit } from './group-commit';
import { RetentionPolicy } from './retention.policy';

type Decoded =
  | { kind: 'event'; record: ConsumedRecord; position: RecordPosition; value: TrackingEvent }
  | { kind: 'audit'; record: ConsumedRecord; position: RecordPosition; value: AuditRecord };

function positionOf({ record, schemaId }: DecodedRecord<unknown>): RecordPosition {
  return { topic: record.topic, partition: record.partition, offset: record.offset, schemaId };
}

/** A batch mapped to its rows, waiting for a transaction. */
interface PendingBatch {
  rows: VaultRows;
  report: BatchReport;
  items: readonly Decoded[];
  erasures: ErasureCheck;
}

/**
 * Loads batches into the vault. Batches of the partitions handled at the same time share
 * transactions (group commit, see VAULT_LOADER_TRANSACTIONS): a transaction's fixed cost (planning,
 * the WAL flush at commit) is paid once for all of them, and the transactions of one instance do
 * not wait on each other's row locks for the hubs and rollup rows every partition writes. If the
 * database is unavailable each batch fails and is retried (its offsets stay uncommitted); if the data
 * of some record is refused, each batch of that transaction is loaded alone, and a refused one is
 * split until the refused records are found, and only those are handed back to be dead-lettered.
 * Records that could not be decoded never get here: the transport dead-letters them.
 */
@Injectable()
export class VaultLoadService {
  private readonly transactions: GroupCommit<PendingBatch, 'loaded' | 'refused'>;

  constructor(
    private readonly repository: VaultRepository,
    private readonly retention: RetentionPolicy,
    private readonly metrics: LoaderMetrics,
    private readonly sites: SiteCatalog,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ERASURE_LIST) private readonly erasureList: Pick<ErasureList, 'isErased'>,
    @Inject(VAULT_LOADER_CONFIG) config: Pick<VaultLoaderConfig, 'transactions' | 'transactionMaxRecords'>,
  ) {
    this.transactions = new GroupCommit((batches) => this.loadTogether(batches), { transactions: config.transactions, maxWeight: config.transactionMaxRecords });
  }

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
    const { items, erasures } = await this.prepare(decoded, hashes);
    let rows: VaultRows;
    try {
      rows = this.rowsOf(items, hashes);
    } catch (error) {
      this.logger.warn({ err: error, topic: batch.topic, partition: batch.partition }, 'batch could not be mapped; isolating the records at fault');
      return this.loadBisecting(items, erasures).finally(stopTimer);
    }
    const report: BatchReport = {
      topic: batch.topic,
      partition: batch.partition,
      firstOffset: batch.records[0].record.offset,
      lastOffset: batch.lastOffset,
      records: batch.fetched,
      deadLettered: batch.undecodable,
      durationMs: performance.now() - started,
    };
    const outcome = await this.transactions.submit({ rows, report, items, erasures }, items.length);
    const refused = outcome === 'loaded' ? [] : await this.loadBisecting(items, erasures);
    stopTimer();
    return refused;
  }

  /** One transaction for these batches; 'refused' for each if the database refused their data. */
  private async loadTogether(batches: PendingBatch[]): Promise<('loaded' | 'refused')[]> {
    this.metrics.batchesPerTransaction.observe(batches.length);
    const rows = batches.length === 1 ? batches[0].rows : new VaultRows();
    if (batches.length > 1) for (const batch of batches) rows.absorb(batch.rows);
    try {
      const erasures = batches.length === 1 ? batches[0].erasures : mergedChecks(batches.map((batch) => batch.erasures));
      this.count(await this.repository.load(rows, batches.map((batch) => batch.report), erasures), batches.flatMap((batch) => batch.items));
      return batches.map(() => 'loaded');
    } catch (error) {
      this.throwIfUnavailable(error);
      this.logger.warn(
        { err: error, batches: batches.map(({ report }) => ({ topic: report.topic, partition: report.partition, firstOffset: report.firstOffset })) },
        'batch refused by the database; isolating the refused records',
      );
      return batches.map(() => 'refused');
    }
  }

  /**
   * Drops what retention has already purged and anonymises events of erased people: those the vault
   * registered and those the erasure requests name (read whole before the first batch, so a replay
   * into an empty vault anonymises them before the vault has applied the requests). The erasures seen
   * go with the batch, for its transaction to check again.
   */
  private async prepare(decoded: Decoded[], hashes: BatchHashes): Promise<{ items: Decoded[]; erasures: ErasureCheck }> {
    const current = decoded.filter((item) => item.kind !== 'event' || !this.retention.expired(item.value.customer_id, item.value.received_at));
    const subjects = (event: TrackingEvent): ErasedSubject[] => {
      const tenantHk = hashes.tenant(event.customer_id);
      return [
        ...(event.visitor_id ? [{ tenantHk, subjectType: 'visitor' as const, subjectHk: hashes.key(event.customer_id, event.visitor_id) }] : []),
        ...(event.user_id ? [{ tenantHk, subjectType: 'user' as const, subjectHk: hashes.key(event.customer_id, event.user_id) }] : []),
      ];
    };
    // Each event's subjects once: the register's lookup, the list's and the transaction's check all use them.
    const named = current.flatMap((item) => (item.kind === 'event' ? [{ event: item.value, subjects: subjects(item.value) }] : [])).filter((entry) => entry.subjects.length > 0);
    const candidates = named.flatMap((entry) => entry.subjects);
    const erased = await this.repository.erased(candidates);
    // The subjects the erasure requests name join those the vault registered; every event naming one is anonymised below.
    for (const entry of named) {
      for (const subject of entry.subjects) {
        const ids = subject.subjectType === 'visitor' ? { visitorId: entry.event.visitor_id } : { userId: entry.event.user_id };
        if (this.erasureList.isErased(entry.event.customer_id, ids)) erased.add(subject.subjectHk.toString('hex'));
      }
    }
    const erasures = { customers: [...new Set(named.map((entry) => entry.event.customer_id))], subjects: candidates, erased };
    if (erased.size === 0) return { items: current, erasures };
    const items = current.map((item) =>
      item.kind === 'event' && subjects(item.value).some((subject) => erased.has(subject.subjectHk.toString('hex'))) ? { ...item, value: anonymiseEvent(item.value) } : item,
    );
    return { items, erasures };
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
  private async loadBisecting(items: readonly Decoded[], erasures: ErasureCheck): Promise<RejectedRecord[]> {
    try {
      this.count(await this.repository.load(this.rowsOf(items), [], erasures), items);
      return [];
    } catch (error) {
      this.throwIfUnavailable(error);
      if (items.length === 1) return [{ record: items[0].record, reason: `refused by the database: ${(error as Error).message}` }];
      const middle = Math.ceil(items.length / 2);
      return [...(await this.loadBisecting(items.slice(0, middle), erasures)), ...(await this.loadBisecting(items.slice(middle), erasures))];
    }
  }

  private count(inserted: Map<string, number>, items: readonly Decoded[]): void {
    for (const [table, rows] of inserted) this.metrics.rowsInserted.inc({ table }, rows);
    const events = items.filter((item) => item.kind === 'event').length;
    this.metrics.duplicatesSkipped.inc(Math.max(0, events - (inserted.get(RAW_EVENTS.table) ?? 0)));
  }

  /**
   * The database, not the data, failed (or something else that says trying again helps, such as an
   * erasure between mapping and loading): the batch is tried again as a whole.
   */
  private throwIfUnavailable(error: unknown): void {
    if (isRetriable(error)) throw error;
    if (isDatabaseUnavailable(error)) throw new DependencyUnavailableError(`the database is unavailable: ${(error as Error).message}`, { cause: error });
  }
}

function mergedChecks(checks: readonly ErasureCheck[]): ErasureCheck {
  return {
    customers: [...new Set(checks.flatMap((check) => check.customers))],
    subjects: checks.flatMap((check) => check.subjects),
    erased: new Set(checks.flatMap((check) => [...check.erased])),
  };
}
