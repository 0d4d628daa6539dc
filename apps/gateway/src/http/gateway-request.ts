import type { CustomerConfig } from '@tracking/customers';
import type { AbuseKind } from '@tracking/contracts';
import type { AuditedRequest } from '@tracking/http';
import type { SecurityAssessment } from '@tracking/ingestion';
import type { ConsoleSession } from '../console/console-session';

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Epoch milliseconds at which the window resets. */
  resetAt: number;
}

/** What ingestion learned about a request, for its log line, metrics and audit record. */
export interface IngestSummary {
  received: number;
  accepted: number;
  rejected: number;
  dropped: number;
  eventType?: string;
  sessionId?: string | null;
  assessment?: SecurityAssessment;
}

/** A Fastify request as the gateway's guards, controllers and hooks annotate it. */
export interface GatewayRequest extends AuditedRequest {
  requestId?: string;
  receivedAt?: number;
  customer?: CustomerConfig;
  /** Id of the API token or publishable key that authenticated the request. */
  keyId?: string | null;
  rateLimit?: RateLimitState;
  ingest?: IngestSummary;
  /** Set by the guard or limit that refused the request as abuse aimed at a configured customer (or none named). */
  abuse?: { kind: AbuseKind; customerId: string | null };
  /** The console session that authenticated this request (instead of a bearer token). */
  consoleSession?: ConsoleSession;
  /** The error answer's code and message, set by the exception filter (the console's last errors). */
  errorAnswer?: { code: string; message: string };
  /** Whether this request's audit record was acknowledged by Kafka. */
  auditLogged?: boolean;
}
