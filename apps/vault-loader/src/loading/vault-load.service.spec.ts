import { Registry } from 'prom-client';
import type { TrackingEvent } from '@tracking/contracts';
import { parseCustomerConfig } from '@tracking/customers';
import { DEFAULT_INGESTION_LIMITS, IngestionPipeline } from '@tracking/ingestion';
import type { ConsumerBatch } from '@tracking/kafka';
import type { Logger } from '@tracking/observability';
import { RAW_EVENTS, STAGED_EVENTS } from '@tracking/vault-schema';
import type { SiteCatalog } from '../sites/site-catalog';
import type { VaultRows } from '../vault/vault-model';
import { ErasedWhileMappingError, type BatchReport, type ErasureCheck, type VaultRepository } from '../vault/vault.repository';
import { LoaderMetrics } from './loader.metrics';
import type { RetentionPolicy } from './retention.policy';
import { VaultLoadService } from './vault-load.service';

const UNCONFIGURED = { siteOf: () => null, site: () => undefined, key: () => undefined };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;

/** A repository in memory: each load is one transaction, refused whole when it holds a record whose event id starts with "poison". */
class TransactionsInMemory {
  readonly transactions: { eventIds: string[]; reports: BatchReport[] }[] = [];
  readonly checks: ErasureCheck[] = [];
  readonly loadedVisitors: (string | null)[] = [];
  private release?: () => void;
  held = false;
  /** An erasure of the batch's visitor commits before the next transaction looks at the erasures again. */
  erasedMeanwhile = false;

  /** The next load waits until `letGo`. */
  hold(): void {
    this.held = true;
  }

  letGo(): void {
    this.held = false;
    this.release?.();
  }

  async load(rows: VaultRows, reports: readonly BatchReport[] = [], erasures?: ErasureCheck): Promise<Map<string, number>> {
    const eventIds = (rows.byTable.get(RAW_EVENTS.table)?.rows ?? []).map((row) => String(row['event_id']));
    if (this.held) await new Promise<void>((resolve) => (this.release = resolve));
    if (erasures) this.checks.push(erasures);
    if (this.erasedMeanwhile && erasures && erasures.subjects.length > 0) throw new ErasedWhileMappingError('erased meanwhile');
    if (eventIds.some((id) => id.startsWith('poison'))) throw new Error('invalid byte sequence for encoding "UTF8": 0x00');
    this.transactions.push({ eventIds, reports: [...reports] });
    this.loadedVisitors.push(...(rows.byTable.get(STAGED_EVENTS.table)?.rows ?? []).map((row) => (row['visitor_id'] as string | null) ?? null));
    return new Map([[RAW_EVENTS.table, eventIds.length]]);
  }

  async erased(): Promise<Set<string>> {
    return new Set();
  }
}

const pipeline = new IngestionPipeline(DEFAULT_INGESTION_LIMITS, Buffer.from('vault-load-service-spec-hash-key-0123456789'));
const acme = parseCustomerConfig('acme', { customer: { id: 'acme', name: 'acme' } }, {});

function eventOf(event_id: string): TrackingEvent {
  const outcome = pipeline.process({ event_type: 'page_view', page_url: 'https://acme.example/', event_id, visitor_id: 'v1' }, acme, {
    receivedAt: Date.now(),
    clientIp: '198.51.100.23',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0',
    doNotTrack: false,
    source: 'api',
    batchId: null,
    keyId: 'test',
  });
  if (outcome.status !== 'accepted') throw new Error(`spec event ${event_id} not accepted`);
  return outcome.event;
}

function batchOf(partition: number, eventIds: string[]): ConsumerBatch<TrackingEvent> {
  const events = eventIds.map(eventOf);
  const records = events.map((value, index) => ({
    record: { topic: 'tracking.events.v1', partition, offset: String(index), key: null, value: null, headers: {}, timestamp: '0' },
    schemaId: 1,
    value,
  }));
  return { topic: 'tracking.events.v1', partition, records, lastOffset: String(records.length - 1), fetched: records.length, undecodable: 0 } as unknown as ConsumerBatch<TrackingEvent>;
}

describe('VaultLoadService', () => {
  let repository: TransactionsInMemory;
  let loader: VaultLoadService;

  beforeEach(() => {
    repository = new TransactionsInMemory();
    loader = new VaultLoadService(
      repository as unknown as VaultRepository,
      { expired: () => false } as unknown as RetentionPolicy,
      new LoaderMetrics(new Registry()),
      { sitesOf: () => UNCONFIGURED } as unknown as SiteCatalog,
      quiet,
      { isErased: (_customer: string, ids: { visitorId?: string | null }) => ids.visitorId === 'v-erased' },
      { transactions: 1, transactionMaxRecords: 100 },
    );
  });

  it('loads the batches that wait for a transaction together, each with its bookkeeping row', async () => {
    repository.hold();
    const first = loader.loadEvents(batchOf(0, ['a1']));
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = [loader.loadEvents(batchOf(1, ['b1', 'b2'])), loader.loadEvents(batchOf(2, ['c1']))];
    await new Promise((resolve) => setImmediate(resolve));
    repository.letGo();
    await expect(Promise.all([first, ...waiting])).resolves.toEqual([[], [], []]);
    expect(repository.transactions.map((t) => t.eventIds)).toEqual([['a1'], ['b1', 'b2', 'c1']]);
    expect(repository.transactions[1]?.reports.map((report) => [report.partition, report.records])).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });

  it('when a shared transaction is refused, loads each batch alone and dead-letters only the refused record', async () => {
    repository.hold();
    const first = loader.loadEvents(batchOf(0, ['a1']));
    await new Promise((resolve) => setImmediate(resolve));
    const poisoned = loader.loadEvents(batchOf(1, ['b1', 'poison-b2', 'b3']));
    const clean = loader.loadEvents(batchOf(2, ['c1', 'c2']));
    await new Promise((resolve) => setImmediate(resolve));
    repository.letGo();
    await expect(first).resolves.toEqual([]);
    await expect(clean).resolves.toEqual([]);
    const refused = await poisoned;
    expect(refused.map((entry) => entry.record.partition)).toEqual([1]);
    expect(refused[0]?.reason).toMatch(/refused by the database: invalid byte sequence/);
    const loaded = repository.transactions.flatMap((t) => t.eventIds).sort();
    expect(loaded).toEqual(['a1', 'b1', 'b3', 'c1', 'c2']);
  });

  it('has a shared transaction look again at the erasures of every batch in it, and sends them all round again when one was erased meanwhile', async () => {
    repository.hold();
    const first = loader.loadEvents(batchOf(0, ['a1']));
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = [loader.loadEvents(batchOf(1, ['b1'])), loader.loadEvents(batchOf(2, ['c1']))];
    await new Promise((resolve) => setImmediate(resolve));
    repository.erasedMeanwhile = true;
    repository.letGo();
    for (const batch of [first, ...waiting]) await expect(batch).rejects.toMatchObject({ retriable: true });
    expect(repository.transactions).toEqual([]);
    expect(repository.checks[1]?.customers).toEqual(['acme']);
    expect(repository.checks[1]?.subjects).toHaveLength(2);
  });

  it('anonymises the events of a subject the erasure requests name before the vault registered it, and counts the subject as erased for the transaction', async () => {
    const erasedVisitor = batchOf(0, ['e1']);
    (erasedVisitor.records[0] as { value: TrackingEvent }).value = { ...erasedVisitor.records[0]!.value, visitor_id: 'v-erased' };
    await expect(loader.loadEvents(erasedVisitor)).resolves.toEqual([]);
    const [check] = repository.checks;
    expect(check?.erased.size).toBe(1);
    expect(repository.loadedVisitors).toEqual([null]);
  });
});
