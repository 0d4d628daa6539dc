import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, type Logger } from '@tracking/observability';
import type { GatewayRequest } from '../http/gateway-request';
import { safeErrorMessage, type ErrorSummary } from './error-summary';
import { LATENCY_BUCKETS, latencyBucket } from './latency-histogram';
import { RequestHealthRepository, type MinuteTally } from './request-health.repository';

/** How often an instance adds its tallies to PostgreSQL: the Overview refreshes every 5 s. */
export const FLUSH_MS = 2000;
const PRUNE_MS = 60_000;
/** Errors held per tenant between flushes: the Overview shows 20; the minute tallies count them all. */
const ERRORS_PER_FLUSH = 20;
/** A tally that could not be written is kept for a retry this long, then dropped (the database was away). */
const RETRY_WINDOW_MS = 60 * 60_000;

/**
 * Per tenant and minute, each request's latency (a fixed-bucket histogram) and its error answers,
 * counted in memory on the request path (a map lookup and two increments) and added to PostgreSQL
 * off it every FLUSH_MS, so every gateway instance reads what all of them saw. Only requests
 * attributed to a tenant count: the authenticated customer, or the configured customer a refusal
 * named (abuse aimed at it). What is kept of an error has no token, address or payload.
 */
@Injectable()
export class RequestHealthRecorder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private tallies = new Map<string, MinuteTally>();
  private errors = new Map<string, ErrorSummary[]>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastPrune = 0;

  constructor(
    private readonly repository: RequestHealthRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** The request path's only cost: called once per answer by the request observer. */
  record(request: GatewayRequest, status: number, elapsedMs: number, route: string): void {
    const customerId = request.customer?.customerId ?? request.abuse?.customerId;
    if (!customerId) return;
    const at = request.receivedAt ?? Date.now();
    const minute = at - (at % 60_000);
    const key = `${customerId}\u0000${minute}`;
    let tally = this.tallies.get(key);
    if (!tally) {
      tally = { customerId, minute, requests: 0, errors: 0, buckets: new Array<number>(LATENCY_BUCKETS).fill(0) };
      this.tallies.set(key, tally);
    }
    tally.requests += 1;
    (tally.buckets[latencyBucket(elapsedMs)] as number) += 1;
    if (status < 400) return;
    tally.errors += 1;
    let pending = this.errors.get(customerId);
    if (!pending) this.errors.set(customerId, (pending = []));
    if (pending.length >= ERRORS_PER_FLUSH) pending.shift();
    const answer = request.errorAnswer;
    pending.push({
      customerId,
      at: new Date(at),
      status,
      errorCode: answer?.code ?? `HTTP_${status}`,
      route,
      // Masked here, before anything is kept: the message may quote request input. A refusal the
      // tenant did not make (a wrong credential or origin naming it) keeps only its kind: the words
      // would quote whoever tried (another tenant's origin, say).
      message: request.customer ? safeErrorMessage(answer?.message ?? '') : `Refused before authentication (${request.abuse?.kind ?? 'unknown'})`,
    });
  }

  /** Writes what was counted since the last flush; a flush still running is joined, not doubled. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const tallies = [...this.tallies.values()];
    const errors = [...this.errors.values()].flat();
    this.tallies = new Map();
    this.errors = new Map();
    try {
      await this.repository.addMinutes(tallies);
    } catch (error) {
      this.keep(tallies);
      this.logger.warn({ err: error, minutes: tallies.length }, 'request health not written; kept for the next flush');
      return;
    }
    try {
      await this.repository.addErrors(errors);
      if (Date.now() - this.lastPrune > PRUNE_MS) {
        this.lastPrune = Date.now();
        await this.repository.prune();
      }
    } catch (error) {
      // The minutes are in; the errors of this flush are lost rather than counted twice with the minutes.
      this.logger.warn({ err: error, errors: errors.length }, 'request errors not written');
    }
  }

  /** Adds unwritten tallies back (additive, so nothing counts twice), dropping those past the retry window. */
  private keep(tallies: readonly MinuteTally[]): void {
    const oldest = Date.now() - RETRY_WINDOW_MS;
    for (const tally of tallies) {
      if (tally.minute < oldest) continue;
      const key = `${tally.customerId}\u0000${tally.minute}`;
      const current = this.tallies.get(key);
      if (!current) {
        this.tallies.set(key, tally);
        continue;
      }
      current.requests += tally.requests;
      current.errors += tally.errors;
      for (let index = 0; index < LATENCY_BUCKETS; index += 1) (current.buckets[index] as number) += tally.buckets[index] ?? 0;
    }
  }
}
