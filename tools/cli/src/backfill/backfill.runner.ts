import type { TrackingEvent } from '@tracking/contracts';
import type { CustomerConfig } from '@tracking/customers';
import type { IngestionPipeline, RequestFacts } from '@tracking/ingestion';
import { withBackfillEventId } from './backfill-event-id';
import { emptySummary, type BackfillSummary } from './backfill-summary';
import { historyTime } from './history-time';
import type { InputFile } from './input-files';
import type { CandidateEvent, NumberedLine, RecordSource, RejectCode } from './source-record';

/** Where accepted events go: Kafka, or nowhere on a dry run. Resolves with how many were acknowledged. */
export interface EventSink {
  publish(events: readonly TrackingEvent[]): Promise<number>;
}

/** One line of the rejects file. */
export interface RejectEntry {
  file: string;
  line: number;
  code: RejectCode;
  reason: string;
  raw: string;
}

export interface RejectsSink {
  write(entry: RejectEntry): void;
}

export interface BackfillRunnerOptions {
  customer: CustomerConfig;
  /** The gateway's TRACKING_HASH_KEY: keys the event ids, as the pipeline keys IP and PII hashes. */
  hashKey: Buffer;
  pipeline: Pick<IngestionPipeline, 'process'>;
  sink: EventSink;
  rejects: RejectsSink;
  /** The file's lines (the command wires progress into the reading). */
  lines: (file: InputFile) => AsyncIterable<NumberedLine>;
  sourceFor: (file: InputFile) => RecordSource;
  batchSize: number;
  dryRun: boolean;
  rejectsFile: string;
  now?: () => number;
  /** Whether the event's subject was erased (the platform's erasure list): such an event is not published. */
  erased?: (event: TrackingEvent) => boolean;
}

/**
 * Reads history and runs every record through the gateway's own IngestionPipeline, then publishes
 * what it accepts in acknowledged batches. Nothing here validates, redacts or enriches: the
 * pipeline does, with the customer's configuration, as for a live request with source `backfill`.
 * What the backfill adds is what a live request has and history lacks: a receivedAt (the record's
 * own time) and an event id that does not change between runs.
 */
export class BackfillRunner {
  private readonly summary: BackfillSummary;
  /**
   * Ids published in this run, so a line repeated in the input is published once. About 100 bytes
   * an event: ten million lines take a gigabyte, which is where splitting the input starts to pay.
   */
  private readonly seen = new Set<string>();
  private batch: TrackingEvent[] = [];
  private current: { file: string; line: number } | undefined;
  private readonly now: () => number;

  constructor(private readonly options: BackfillRunnerOptions) {
    this.summary = emptySummary(options.customer.customerId, options.dryRun, options.rejectsFile);
    this.now = options.now ?? Date.now;
  }

  /** The counts so far; after a failure, how far the run got. */
  get progress(): Readonly<BackfillSummary> {
    return this.summary;
  }

  /** The record being processed (after a failure: where it happened). */
  get position(): Readonly<{ file: string; line: number }> | undefined {
    return this.current;
  }

  async run(files: readonly InputFile[]): Promise<BackfillSummary> {
    for (const file of files) {
      this.summary.files += 1;
      this.current = { file: file.path, line: 0 };
      for await (const record of this.options.sourceFor(file)(this.options.lines(file))) {
        this.current = { file: file.path, line: record.line };
        this.summary.lines += 1;
        if (record.kind === 'skip') this.count(this.summary.skipped, record.reason);
        else if (record.kind === 'reject') this.reject(file, record.line, record.raw, record.code, record.reason);
        else await this.ingest(file, record.line, record.raw, record.event);
      }
    }
    await this.flush();
    return this.summary;
  }

  private async ingest(file: InputFile, line: number, raw: string, candidate: CandidateEvent): Promise<void> {
    const time = historyTime(candidate.body);
    if (time.kind === 'missing') {
      this.reject(file, line, raw, 'missing_time', 'occurred_at is required: a backfilled event needs the time it happened, not the time of the backfill');
      return;
    }
    // Capped at now: a future time then fails the validator's clock-skew check, as at the gateway.
    const now = this.now();
    const facts: RequestFacts = {
      receivedAt: time.kind === 'at' ? Math.min(time.epochMs, now) : now,
      clientIp: candidate.clientIp,
      userAgent: candidate.userAgent,
      // Server logs and exported history carry no DNT header; consent_state in the body still applies.
      doNotTrack: false,
      source: 'backfill',
      batchId: null,
      keyId: null,
    };
    const { customer } = this.options;
    const outcome = this.options.pipeline.process(withBackfillEventId(candidate.body, customer.customerId, this.options.hashKey, candidate.identity ?? candidate.body), customer, facts);
    if (outcome.status === 'rejected') {
      this.reject(file, line, raw, 'invalid_event', outcome.errors.map((error) => `${error.field} ${error.reason}`).join('; '));
      return;
    }
    if (outcome.status === 'dropped') {
      // The line itself is not copied: it may hold the address and data of a visitor who did not consent.
      this.reject(file, line, '', outcome.reason, `${outcome.eventType} dropped by the privacy rules of ${customer.customerId} (${outcome.reason}), as the gateway drops it`);
      return;
    }
    if (this.options.erased?.(outcome.event)) {
      // Neither published nor copied to the rejects file: the line describes a person who asked to be forgotten.
      this.summary.erased += 1;
      return;
    }
    if (this.seen.has(outcome.event.event_id)) {
      this.summary.duplicates += 1;
      return;
    }
    this.seen.add(outcome.event.event_id);
    this.summary.accepted += 1;
    this.batch.push(outcome.event);
    if (this.batch.length >= this.options.batchSize) await this.flush();
  }

  /** Waits for the acknowledgement before reading on, so a slow broker slows the reading instead of filling memory. */
  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.summary.published += await this.options.sink.publish(batch);
  }

  private reject(file: InputFile, line: number, raw: string, code: RejectCode, reason: string): void {
    this.count(this.summary.rejected, code);
    this.options.rejects.write({ file: file.path, line, code, reason, raw });
  }

  private count<K extends string>(tally: { total: number; byReason: Partial<Record<K, number>> }, reason: K): void {
    tally.total += 1;
    tally.byReason[reason] = (tally.byReason[reason] ?? 0) + 1;
  }
}
