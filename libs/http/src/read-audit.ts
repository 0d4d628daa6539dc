import { randomUUID } from 'node:crypto';
import { Inject, Injectable, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { AUDIT_RECORD_EXTENSIONS_UNSET, hashKey, type AuditActor, type AuditOutcome, type AuditRecord, type AuditService } from '@tracking/contracts';
import { CUSTOMER_ID_PATTERN } from '@tracking/customers';
import { anonymiseIp } from '@tracking/ingestion';
import { LOGGER, METRICS_REGISTRY, type Logger } from '@tracking/observability';

/**
 * Seed 000's "complete audit trail for all data access" (issue 20): every answer of a read or admin
 * route leaves one record on tracking.audit.v1 saying who asked (by role, never the credential), what
 * (route, customer, filters), when, how many rows and with what outcome. The gateway writes its own
 * records through its coalescing publisher; the other services through an AuditSink.
 */

/** Where a service's audit records go; each consuming service provides it from its Kafka producer. */
export const AUDIT_SINK = Symbol('AUDIT_SINK');
/** Which service answers (`service` of the record). */
export const AUDIT_SERVICE = Symbol('AUDIT_SERVICE');

export interface AuditSink {
  /** Resolves once Kafka acknowledged the record. */
  write(record: AuditRecord): Promise<void>;
}

/** Metadata key of `@AuditRows`. */
export const AUDIT_ROWS = 'tracking:audit-rows';

/** How many rows a read route's answer carried, counted from the body it returns. */
export const AuditRows = <T>(count: (body: T) => number | null): MethodDecorator => SetMetadata(AUDIT_ROWS, count);

/**
 * Rows of a report-shaped answer: the entries of every list in it, down to lists inside its
 * top-level objects (a dashboard's `event_counts.by_type`), for `@AuditRows(listedRows)`.
 */
export function listedRows(body: unknown, depth = 2): number {
  if (Array.isArray(body)) return body.length;
  if (depth === 0 || !body || typeof body !== 'object') return 0;
  return Object.values(body as Record<string, unknown>).reduce<number>((sum, value) => sum + listedRows(value, depth - 1), 0);
}

/** Paths that are not API interactions: probes, metrics and the API's own documentation. */
export const UNAUDITED_PATHS = /^\/(livez|readyz|metrics|docs|openapi)/;

/** What an audited request carries besides Fastify's own fields; set by the audit pieces and streaming handlers. */
export interface AuditedRequest extends FastifyRequest {
  /** Rows a streaming handler has sent so far (see `countStreamedRows`). */
  auditRows?: number;
  /** Set by a handler that streams its answer: the record is written when the stream ends, with the rows it counted. */
  auditAtEnd?: boolean;
  auditStartedAt?: number;
  auditId?: string;
  /** Who the guard that let the request in found: its role (and an operator's name), never the credential. */
  auditActor?: string;
}

/** For a handler that streams: the audit record waits for the end of the answer and counts its rows. */
export function streamedRows(request: FastifyRequest): (rows: number) => void {
  const audited = request as AuditedRequest;
  audited.auditAtEnd = true;
  audited.auditRows = 0;
  return (rows) => {
    audited.auditRows = (audited.auditRows ?? 0) + rows;
  };
}

const OUTCOME_BY_STATUS: Record<number, AuditOutcome> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'invalid',
  415: 'invalid',
  429: 'rate_limited',
  503: 'unavailable',
};

export function outcomeOfStatus(status: number): AuditOutcome {
  return status < 400 ? 'accepted' : (OUTCOME_BY_STATUS[status] ?? 'error');
}

/** Fields that name a person: the record keeps their hash key (as the vault computes it), never the id. */
const SUBJECT_FIELDS = new Set(['visitor_id', 'user_id', 'visitor_ids', 'user_ids', 'session_id', 'email']);
/** Fields never written, whatever route carries them. */
const SECRET_FIELD = /token|secret|password|authori[sz]ation|api_?key|credential/i;
const MAX_PARAMS_CHARS = 2000;
const MAX_VALUE_CHARS = 200;
const MAX_LIST = 20;

export function subjectDigest(customerId: string | null, id: string): string {
  return `sha256:${hashKey(customerId ?? '', id).toString('hex')}`;
}

function scalar(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function describeValue(field: string, value: unknown, customerId: string | null): unknown {
  const subject = SUBJECT_FIELDS.has(field);
  const one = (item: unknown): unknown => {
    if (subject && (typeof item === 'string' || typeof item === 'number')) return subjectDigest(customerId, String(item));
    if (typeof item === 'string') return item.length > MAX_VALUE_CHARS ? `${item.slice(0, MAX_VALUE_CHARS)}…` : item;
    return item;
  };
  if (scalar(value)) return one(value);
  if (Array.isArray(value)) {
    if (!value.every(scalar)) return `<${value.length} items>`;
    const shown = value.slice(0, MAX_LIST).map(one);
    return value.length > MAX_LIST ? [...shown, `<${value.length - MAX_LIST} more>`] : shown;
  }
  return '<object>';
}

/**
 * The customer a request concerns: the route's `:customerId`, else `customer_id` in the query or
 * body; only a well-formed customer id (anything else stays in `request_params` alone).
 */
export function customerOfRequest(request: FastifyRequest): string | null {
  const sources = [request.params, request.query, request.method === 'GET' ? undefined : request.body];
  for (const source of sources) {
    if (!source || typeof source !== 'object') continue;
    const record = source as Record<string, unknown>;
    const value = record.customerId ?? record.customer_id;
    if (typeof value === 'string' && value !== '') return CUSTOMER_ID_PATTERN.test(value) ? value : null;
  }
  return null;
}

/**
 * What was asked, as one JSON object: route parameters, query and (except for GET) the body's
 * fields; credentials left out, a person's ids as hash keys, long values and nested documents
 * shortened. Null when the request named nothing.
 */
export function requestParams(request: FastifyRequest, customerId: string | null): string | null {
  const fields: Record<string, unknown> = {};
  const body = request.method === 'GET' ? undefined : request.body;
  for (const source of [request.params, request.query, body]) {
    if (!source || typeof source !== 'object' || Array.isArray(source)) continue;
    for (const [field, value] of Object.entries(source as Record<string, unknown>)) {
      if (SECRET_FIELD.test(field) || field === '__proto__') continue;
      fields[field] = describeValue(field, value, customerId);
    }
  }
  if (Object.keys(fields).length === 0) return null;
  const text = JSON.stringify(fields);
  return text.length > MAX_PARAMS_CHARS ? `${text.slice(0, MAX_PARAMS_CHARS - 1)}…` : text;
}

/** The operator as the request names itself (X-Applied-By, printable, 100 characters), else just the role. */
export function operatorActor(request: FastifyRequest): string {
  const name = request.headers['x-applied-by'];
  return typeof name === 'string' && /^[\x20-\x7e]{1,100}$/.test(name) ? `operator:${name}` : 'operator';
}

export interface ReadAuditFacts {
  statusCode: number;
  errorCode: string | null;
  rows: number | null;
  actor: AuditActor | string;
  customerId: string | null;
  keyId?: string | null;
}

/**
 * Builds and writes the audit records of a service's read and admin routes. Never throws: a record
 * Kafka did not take (within the producer's acknowledgement deadline) is logged with its id and
 * counted in `audit_records_unacknowledged_total`, and the answer goes out regardless.
 */
@Injectable()
export class ReadAudit {
  private readonly unacknowledged: Counter;

  constructor(
    @Inject(AUDIT_SINK) private readonly sink: AuditSink,
    @Inject(AUDIT_SERVICE) private readonly service: AuditService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.unacknowledged = new Counter({
      name: 'audit_records_unacknowledged_total',
      help: 'Audit records of read and admin routes that Kafka did not acknowledge (the answer went out; the log names each record)',
      registers: [metrics],
    });
  }

  /** Stamps the request when it reaches the route (the record's time comes from here) and returns the record's id. */
  begin(request: FastifyRequest): string {
    const audited = request as AuditedRequest;
    audited.auditStartedAt ??= Date.now();
    audited.auditId ??= randomUUID();
    return audited.auditId;
  }

  recordFor(request: FastifyRequest, facts: ReadAuditFacts): AuditRecord {
    const auditId = this.begin(request);
    const startedAt = (request as AuditedRequest).auditStartedAt ?? Date.now();
    return {
      audit_id: auditId,
      occurred_at: startedAt,
      customer_id: facts.customerId,
      endpoint: `${request.method} ${request.routeOptions?.url ?? request.url.split('?')[0]}`,
      status_code: facts.statusCode,
      outcome: outcomeOfStatus(facts.statusCode),
      error_code: facts.errorCode,
      latency_ms: Date.now() - startedAt,
      ip_block: anonymiseIp(request.ip, { mode: 'truncate' }),
      security_score: null,
      suspicious: false,
      key_id: facts.keyId ?? null,
      events_received: 0,
      events_accepted: 0,
      events_rejected: 0,
      events_dropped: 0,
      abuse_kind: null,
      abuse_customer_id: null,
      ...AUDIT_RECORD_EXTENSIONS_UNSET,
      service: this.service,
      actor: facts.actor,
      request_params: requestParams(request, facts.customerId),
      rows_returned: facts.rows,
    };
  }

  /** The record of an operator's request to this service (the consuming services' admin routes). */
  operatorRecord(request: FastifyRequest, statusCode: number, errorCode: string | null, rows: number | null): AuditRecord {
    const actor = (request as AuditedRequest).auditActor ?? 'anonymous';
    return this.recordFor(request, { statusCode, errorCode, rows, actor, customerId: customerOfRequest(request) });
  }

  async publish(record: AuditRecord): Promise<boolean> {
    try {
      await this.sink.write(record);
      return true;
    } catch (error) {
      this.logger.warn({ err: error, auditId: record.audit_id, endpoint: record.endpoint }, 'audit record not acknowledged');
      this.unacknowledged.inc();
      return false;
    }
  }
}
