import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { anonymiseIp } from '@tracking/ingestion';
import type { Logger } from '@tracking/observability';
import type { GatewayRequest } from './gateway-request';

const INGEST_ROUTES = /^\/api\/v1\/(track|tracking\/collect)/;
const QUIET_ROUTES = /^\/(livez|readyz|metrics)$/;

/**
 * Stamps each request with an id and its arrival time, each answer to an authenticated customer
 * with its X-Customer-ID, and after the answer records metrics and
 * one structured log line: `tracking.ingest` for ingestion routes (seed 002), `http.request` for
 * the rest. Lines carry the client's network block, never its address, and never a credential.
 */
/** Sees every answer after it is sent (the console's request health); must stay an in-memory increment. */
export interface AnswerRecorder {
  record(request: GatewayRequest, status: number, elapsedMs: number, route: string): void;
}

export function observeRequests(fastify: FastifyInstance, logger: Logger, registry: Registry, recorder?: AnswerRecorder): void {
  const requests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'Requests answered, by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'Time from request to answer, by route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const abuse = new Counter({
    name: 'gateway_abuse_events_total',
    help: "Refusals that look like abuse aimed at a customer (seed 002's TrackingAbuseEvent), by kind and the customer named ('none' when none was)",
    labelNames: ['kind', 'customer'],
    registers: [registry],
  });
  const events = new Counter({
    name: 'gateway_events_total',
    help: 'Events received by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });

  fastify.addHook('onRequest', async (request: GatewayRequest, reply) => {
    request.requestId = randomUUID();
    request.receivedAt = Date.now();
    reply.header('X-Request-ID', request.requestId);
  });

  // Seed 000's response headers name the customer the answer is for: the authenticated one only, never an echo of the request's claim.
  fastify.addHook('onSend', async (request: GatewayRequest, reply, payload) => {
    if (request.customer) reply.header('X-Customer-ID', request.customer.customerId);
    return payload;
  });

  fastify.addHook('onResponse', async (request: GatewayRequest, reply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, seconds);
    if (request.abuse) abuse.inc({ kind: request.abuse.kind, customer: request.abuse.customerId ?? 'none' });
    const ingest = request.ingest;
    if (ingest) {
      events.inc({ outcome: 'accepted' }, ingest.accepted);
      events.inc({ outcome: 'rejected' }, ingest.rejected);
      events.inc({ outcome: 'dropped' }, ingest.dropped);
    }
    if (QUIET_ROUTES.test(route)) return;
    recorder?.record(request, reply.statusCode, reply.elapsedTime, route);
    // A line the logger's level would drop is not built (LOG_LEVEL=warn skips one per request).
    const failed = reply.statusCode >= 500;
    if (!logger.isLevelEnabled(failed ? 'error' : 'info')) return;
    const line = {
      event: INGEST_ROUTES.test(route) ? 'tracking.ingest' : 'http.request',
      requestId: request.requestId,
      method: request.method,
      route,
      status: reply.statusCode,
      customer: request.customer?.customerId ?? null,
      session: ingest?.sessionId ?? null,
      eventType: ingest?.eventType ?? null,
      events: ingest ? { received: ingest.received, accepted: ingest.accepted, rejected: ingest.rejected, dropped: ingest.dropped } : undefined,
      latencyMs: Math.round(reply.elapsedTime * 100) / 100,
      ipBlock: anonymiseIp(request.ip, { mode: 'truncate' }),
      auditLogged: request.auditLogged,
    };
    if (failed) logger.error(line, 'request failed');
    else logger.info(line, line.event);
  });
}
