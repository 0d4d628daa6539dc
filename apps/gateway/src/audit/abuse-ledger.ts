import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { AUDIT_RECORD_EXTENSIONS_UNSET, type AbuseKind, type AuditRecord } from '@tracking/contracts';
import { outcomeOfStatus } from '@tracking/http';
import { anonymiseIp } from '@tracking/ingestion';
import { METRICS_REGISTRY } from '@tracking/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import type { GatewayRequest } from '../http/gateway-request';
import { AuditTrail } from './audit-trail';

/** One customer's refusals of one kind in the current interval. */
interface AbuseWindow {
  kind: AbuseKind;
  customerId: string | null;
  count: number;
  /** Refusals that got an audit record of their own. */
  recorded: number;
  statusCode: number;
  errorCode: string | null;
  networks: Map<string, number>;
  routes: Map<string, number>;
}

const MAX_TRACKED_NETWORKS = 1000;

const busiest = (counts: ReadonlyMap<string, number>): string | null => [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;

/**
 * Seed 002's TrackingAbuseEvent without letting a flood write a flood (issue 23). Every refusal that
 * looks like abuse aimed at a customer (a wrong key, another customer's token, a disallowed origin,
 * a rate limit) is counted here per customer and kind. In each interval (TRACKING_ABUSE_SUMMARY_SECONDS)
 * the first TRACKING_ABUSE_RECORDS_PER_INTERVAL of them keep their own audit record, as every other
 * interaction does; the rest are answered without one. At the end of the interval one summary record
 * per customer and kind goes to tracking.audit.v1 with the count, the interval, the number of
 * networks and the busiest network and routes, so an attack of any size costs at most that many
 * records plus one per interval. Counted per gateway instance: several instances each write their own.
 */
@Injectable()
export class AbuseLedger implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private windows = new Map<string, AbuseWindow>();
  private windowStart = Date.now();
  private timer?: NodeJS.Timeout;
  private readonly summaries: Counter;
  private readonly unrecorded: Counter;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'abuse'>,
    private readonly audit: AuditTrail,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.summaries = new Counter({
      name: 'gateway_abuse_summaries_total',
      help: 'Abuse summary records written to the audit topic (one per customer and kind per interval with refusals)',
      labelNames: ['kind'],
      registers: [metrics],
    });
    this.unrecorded = new Counter({
      name: 'gateway_abuse_unrecorded_total',
      help: 'Abuse refusals past the per-interval allowance, answered without an audit record of their own (counted in the summary)',
      labelNames: ['kind'],
      registers: [metrics],
    });
  }

  onApplicationBootstrap(): void {
    this.windowStart = Date.now();
    this.timer = setInterval(() => void this.flush(), this.config.abuse.intervalMs);
    this.timer.unref();
  }

  /** The last interval's summaries go out before the publisher closes. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** Counts one abuse refusal; true when it still gets an audit record of its own. */
  note(request: GatewayRequest, statusCode: number, errorCode: string | null): boolean {
    const abuse = request.abuse;
    if (!abuse) return true;
    const key = `${abuse.kind}\u0000${abuse.customerId ?? ''}`;
    let window = this.windows.get(key);
    if (!window) {
      window = { kind: abuse.kind, customerId: abuse.customerId, count: 0, recorded: 0, statusCode, errorCode, networks: new Map(), routes: new Map() };
      this.windows.set(key, window);
    }
    window.count += 1;
    const network = anonymiseIp(request.ip, { mode: 'truncate' }) ?? 'unknown';
    if (window.networks.has(network) || window.networks.size < MAX_TRACKED_NETWORKS) window.networks.set(network, (window.networks.get(network) ?? 0) + 1);
    const route = `${request.method} ${request.routeOptions?.url ?? 'unmatched'}`;
    window.routes.set(route, (window.routes.get(route) ?? 0) + 1);
    if (window.recorded < this.config.abuse.recordsPerInterval) {
      window.recorded += 1;
      return true;
    }
    this.unrecorded.inc({ kind: abuse.kind });
    return false;
  }

  /** Writes the interval's summaries and starts the next interval. */
  async flush(now = Date.now()): Promise<void> {
    const windows = [...this.windows.values()];
    const start = this.windowStart;
    this.windows = new Map();
    this.windowStart = now;
    for (const window of windows) {
      await this.audit.publish(this.summaryOf(window, start, now));
      this.summaries.inc({ kind: window.kind });
    }
  }

  private summaryOf(window: AbuseWindow, start: number, end: number): AuditRecord {
    const routes = Object.fromEntries([...window.routes].sort((a, b) => b[1] - a[1]).slice(0, 10));
    return {
      audit_id: randomUUID(),
      occurred_at: end,
      // The summary belongs to the attacked customer's audit trail (its tenant in the vault).
      customer_id: window.customerId,
      endpoint: busiest(window.routes) ?? 'unmatched',
      status_code: window.statusCode,
      outcome: outcomeOfStatus(window.statusCode),
      error_code: window.errorCode,
      latency_ms: 0,
      ip_block: busiest(window.networks),
      security_score: null,
      suspicious: true,
      key_id: null,
      events_received: 0,
      events_accepted: 0,
      events_rejected: 0,
      events_dropped: 0,
      abuse_kind: window.kind,
      abuse_customer_id: window.customerId,
      ...AUDIT_RECORD_EXTENSIONS_UNSET,
      service: 'gateway',
      // Many callers, possibly some authenticated (rate limits): the summary names no one.
      actor: null,
      request_params: JSON.stringify({ routes, recorded_individually: window.recorded }),
      abuse_count: window.count,
      abuse_window_start: start,
      abuse_networks: window.networks.size,
    };
  }
}
