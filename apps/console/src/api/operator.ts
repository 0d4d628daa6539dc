import { getJson, sendJson } from '../api';

/**
 * The Overview's gateway health and the operators' pages (issue 21, pages 1 and 9): typed calls to
 * GET /console/api/overview (latency_per_minute, recent_errors), GET /console/api/customers and
 * POST /console/api/replay.
 */

export interface LatencyPoint {
  /** Start of the minute, seconds since the epoch (uPlot's x). */
  minute: number;
  requests: number;
  errors: number;
  p50: number | null;
  p99: number | null;
}

export interface GatewayError {
  at: string;
  status: number;
  error_code: string;
  route: string;
  message: string;
}

export interface GatewayHealth {
  latency: LatencyPoint[];
  errors: GatewayError[];
}

interface RawLatency {
  minute: string;
  requests: number;
  errors: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

/** The gateway part of the tenant's overview body (the page reads the rest with api.ts's normaliseOverview). */
export function readGatewayHealth(raw: unknown): GatewayHealth {
  const body = (typeof raw === 'object' && raw !== null ? raw : {}) as { latency_per_minute?: RawLatency[]; recent_errors?: GatewayError[] };
  return {
    latency: (body.latency_per_minute ?? []).map((point) => ({
      minute: Math.floor(Date.parse(point.minute) / 1000),
      requests: point.requests,
      errors: point.errors,
      p50: point.p50_ms,
      p99: point.p99_ms,
    })),
    errors: body.recent_errors ?? [],
  };
}

export type CustomerState = 'ok' | 'quiet' | 'failing';

export interface CustomerHealth {
  customer_id: string;
  name: string;
  events_last_hour: number;
  accepted_last_hour: number;
  rejected_last_hour: number;
  events_last_24_hours: number;
  events_last_7_days: number;
  events_total: number;
  last_event_at: string | null;
  gateway: { requests: number; errors: number; error_rate: number | null; p50_ms: number | null; p99_ms: number | null };
  events_per_minute: number[];
  state: CustomerState;
  reason: string;
}

/** Operators only: every customer with its volume and health. */
export async function customerHealth(): Promise<CustomerHealth[]> {
  return (await getJson<{ customers?: CustomerHealth[] }>('/customers')).customers ?? [];
}

export const REPLAY_SERVICES = ['vault-loader', 'automation-trigger', 'exporter'] as const;
export type ReplayService = (typeof REPLAY_SERVICES)[number];

export interface ReplayPlan {
  dry_run: boolean;
  from: string;
  moved: boolean;
  note: string;
  services: Array<{
    service: string;
    group: string;
    live_members: number;
    records_read_again: string;
    effect: string;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; committed: string | null; target: string; records: string }> }>;
  }>;
}

/** Operators only: the replay's plan (dry run) or the replay itself; a 409 (services running) carries the plan in `replay`. */
export function replay(services: ReplayService[], from: string, dryRun: boolean): Promise<ReplayPlan> {
  return sendJson<ReplayPlan>('POST', '/replay', { services, from, dry_run: dryRun });
}
