import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { ErasureRequestRecord, TrackingEvent } from '@tracking/contracts';
import { CUSTOMER_SOURCE, type CustomerSource } from '@tracking/customer-store';
import { LOGGER, type Logger } from '@tracking/observability';
import { subjectHash } from '@tracking/privacy';
import { EXPORTER_CONFIG, type ExporterConfig } from '../config/exporter.config';
import { EXPORT_TARGETS } from '../exporter.tokens';
import { firstWritten } from '../s3/boundary.ledger';
import { S3Clients } from '../s3/s3-clients';
import type { ExportTarget } from '../targets/export-target';
import type { ExportTargets } from '../targets/export-targets';
import { ErasureRewriter, type RewriteTally } from './erasure.rewriter';
import { ERASURE_WORKER_INSTANCE, ErasureWorkLease } from './erasure-work.lease';
import { ExporterErasures } from './exporter-erasures';
import type { ErasedEvent } from './object-rewrite';

/** Where the exporter notes that it applied a request to a customer's buckets: beside the manifests, in the bucket written first. */
export function erasureMarkerKey(prefix: string, customerId: string, requestId: string): string {
  return `${prefix ? `${prefix}/` : ''}_erasures/customer=${customerId}/${encodeURIComponent(requestId)}.json`;
}

/** Whether an event belongs to one of the request's subjects (its hashes are of the ids, as the vault's). */
export function requestSubjects(request: ErasureRequestRecord): ErasedEvent {
  const visitors = new Set(request.visitor_hks.map((hk) => hk.toLowerCase()));
  const users = new Set(request.user_hks.map((hk) => hk.toLowerCase()));
  return (event: TrackingEvent) =>
    (event.visitor_id !== null && visitors.has(subjectHash(request.customer_id, event.visitor_id))) ||
    (event.user_id !== null && users.has(subjectHash(request.customer_id, event.user_id)));
}

type Outcome = { kind: 'applied'; tally: RewriteTally; seconds: number } | { kind: 'already' } | { kind: 'not_exported'; detail: string };

/**
 * The exporter's part of an erasure (issue 20): every object in the customer's client and backup
 * buckets that holds a subject's events is written again without them (ErasureRewriter), then the
 * request is marked applied in the bucket written first and reported on privacy.erasure-reports.v1
 * (place `exporter`: found and removed are the subject's records; the detail says how many objects).
 *
 * Only the instance holding the ErasureWorkLease works, one request of a customer at a time. It takes
 * up every request it learns of: each new one, and on gaining the lease every request in the list,
 * of which those with a marker are skipped: so a request found at start and not yet applied, or left
 * half-done by an instance that died, is done by the next holder. A bucket that fails is reported
 * `failed` with the reason and tried again with backoff (EXPORTER_RETRY_BASE_MS..EXPORTER_RETRY_MAX_MS)
 * for as long as this instance holds the lease.
 */
@Injectable()
export class ErasureWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly instance = ERASURE_WORKER_INSTANCE;
  /** Requests taken up by this holder of the lease, by id. */
  private readonly taken = new Map<string, Promise<void>>();
  /** The last job of each customer: a customer's requests run one after another. */
  private readonly chains = new Map<string, Promise<void>>();
  private stopped = false;
  private wake?: () => void;

  constructor(
    private readonly erasures: ExporterErasures,
    private readonly lease: ErasureWorkLease,
    private readonly rewriter: ErasureRewriter,
    private readonly clients: S3Clients,
    @Inject(EXPORT_TARGETS) private readonly targets: ExportTargets,
    @Inject(CUSTOMER_SOURCE) private readonly customers: CustomerSource,
    @Inject(EXPORTER_CONFIG) private readonly config: Pick<ExporterConfig, 'retryBaseMs' | 'retryMaxMs'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    // In the background, not holding the start up: a request of a customer not read yet would be taken for another exporter's and left.
    void this.customers.readyOnce.then(() => this.begin()).catch((error: unknown) => this.logger.error({ err: error }, 'the erasure work of the exporter could not start'));
  }

  private async begin(): Promise<void> {
    if (this.stopped) return;
    this.erasures.onRequest((request) => this.take(request));
    this.lease.onChange((held) => {
      if (!held) {
        this.taken.clear();
        this.wake?.();
        return;
      }
      void this.erasures.readyOnce.then(() => {
        for (const request of this.erasures.requests()) this.take(request);
      });
    });
    await this.lease.start();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Resolves once every request taken up so far is done (or given up with the lease): for tests and operators. */
  async idle(): Promise<void> {
    await Promise.all([...this.taken.values()]);
  }

  private take(request: ErasureRequestRecord): void {
    if (!this.lease.held || this.stopped || this.taken.has(request.request_id)) return;
    const previous = this.chains.get(request.customer_id) ?? Promise.resolve();
    const job = previous.then(() => this.run(request));
    this.taken.set(request.request_id, job);
    this.chains.set(request.customer_id, job);
  }

  /** One request, tried until it succeeds or this instance stops holding the lease. */
  private async run(request: ErasureRequestRecord): Promise<void> {
    for (let attempt = 0; this.lease.held && !this.stopped; attempt++) {
      try {
        const outcome = await this.apply(request);
        if (outcome.kind === 'already') return;
        const found = outcome.kind === 'applied' ? outcome.tally.recordsFound : 0;
        const removed = outcome.kind === 'applied' ? outcome.tally.recordsRemoved : 0;
        const detail =
          outcome.kind === 'applied'
            ? `${outcome.tally.objectsRewritten} of ${outcome.tally.objectsScanned} objects rewritten in the client and backup buckets (manifests and metering updated) in ${outcome.seconds.toFixed(1)} s` +
              (outcome.tally.objectsUnmatchable > 0 ? `; ${outcome.tally.objectsUnmatchable} objects hold neither visitor_id nor user_id (s3_export.fields) and could not be matched` : '')
            : outcome.detail;
        await this.erasures.report({ request_id: request.request_id, customer_id: request.customer_id, place: 'exporter', instance: this.instance, state: 'done', found, removed, finished_at: Date.now(), detail });
        this.logger.info({ requestId: request.request_id, customer: request.customer_id, found, removed, detail }, 'erasure applied to the exported objects');
        return;
      } catch (error) {
        const delay = Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** Math.min(attempt, 20));
        const detail = `${(error as Error).message}; tried again in ${Math.round(delay / 1000)} s`;
        this.logger.warn({ err: error, requestId: request.request_id, customer: request.customer_id, attempt }, 'erasure of exported objects failed; tried again');
        await this.erasures
          .report({ request_id: request.request_id, customer_id: request.customer_id, place: 'exporter', instance: this.instance, state: 'failed', found: 0, removed: 0, finished_at: Date.now(), detail })
          .catch((reportError: unknown) => this.logger.warn({ err: reportError }, 'erasure report could not be published'));
        await this.sleep(delay);
      }
    }
  }

  private async apply(request: ErasureRequestRecord): Promise<Outcome> {
    const target = this.targets.targets.get(request.customer_id);
    if (!target) {
      const refused = this.targets.broken.get(request.customer_id);
      // A refused configuration may name buckets that hold earlier exports: not done until it is fixed.
      if (refused) throw new Error(`the customer's s3_export block is refused (${refused.problems.join('; ')}); its buckets cannot be reached`);
      if (this.targets.unexported.has(request.customer_id)) return { kind: 'not_exported', detail: 'the customer has no s3_export: nothing of it is exported' };
      // Not a customer of this exporter's configuration (an exporter reading its own CUSTOMERS_DIR): another exporter reports it.
      return { kind: 'already' };
    }
    if (await this.marked(target, request)) return { kind: 'already' };
    const started = Date.now();
    const subjects = requestSubjects(request);
    const erased: ErasedEvent = (event) => subjects(event) || this.erasures.erased(target.customerId, event);
    const tally = await this.rewriter.rewriteCustomer(target, erased, subjects);
    const seconds = (Date.now() - started) / 1000;
    await this.mark(target, request, tally, seconds);
    return { kind: 'applied', tally, seconds };
  }

  private async marked(target: ExportTarget, request: ErasureRequestRecord): Promise<boolean> {
    const bucket = firstWritten(target);
    try {
      await this.clients.for(bucket).send(new GetObjectCommand({ Bucket: bucket.bucket, Key: erasureMarkerKey(target.prefix, target.customerId, request.request_id) }));
      return true;
    } catch (error) {
      const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (failure.name === 'NoSuchKey' || failure.$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  }

  /** The marker holds counts only: never an id or a value of the subject. */
  private async mark(target: ExportTarget, request: ErasureRequestRecord, tally: RewriteTally, seconds: number): Promise<void> {
    const bucket = firstWritten(target);
    const body = { request_id: request.request_id, applied_at: new Date().toISOString(), instance: this.instance, seconds, ...tally };
    await this.clients.for(bucket).send(
      new PutObjectCommand({ Bucket: bucket.bucket, Key: erasureMarkerKey(target.prefix, target.customerId, request.request_id), Body: `${JSON.stringify(body)}\n`, ContentType: 'application/json' }),
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const previous = this.wake;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        previous?.();
        done();
      };
    });
  }
}
