import { join } from 'node:path';
import type { BenchContext } from '../bench-context';
import { bulkBodies, trackBodies } from '../event-corpus';
import { httpLoad, writeBodies, type HttpLoadRequest, type HttpLoadResult } from '../load/http-load';
import type { ServiceProcess } from '../service-process';
import { BENCH_CUSTOMER } from '../bench-customer';

/** The gateway's database (API keys, read API), made once per run. */
export function benchDatabase(context: BenchContext): Promise<string> {
  return context.memo('gateway-database', () => context.freshDatabase('tracking_bench'));
}

/** The bench customer's token, written once per run. */
export async function benchCustomerToken(context: BenchContext): Promise<string> {
  // The producer measurements may have written the customer already; a fresh token replaces its config.
  return context.memo('bench-customer', () => Promise.resolve(context.writeCustomer(BENCH_CUSTOMER).token));
}

/** The gateway's producer settings, given to the gateway and to the minimal durable gateway alike. */
export const GATEWAY_PRODUCER = { lingerMs: 2, maxBatchRecords: 2000, ackTimeoutMs: 10_000 } as const;

/** The compiled gateway with the address and key rate limits out of the way (one load generator is one address). */
export async function startBenchGateway(context: BenchContext, databaseUrl: string): Promise<ServiceProcess> {
  return context.services.start('gateway', {
    ...context.serviceEnv(databaseUrl),
    TRACKING_INGEST_RATE_LIMIT_PER_MINUTE: '1000000000',
    TRACKING_KEY_RATE_LIMIT_PER_MINUTE: '1000000000',
    KAFKA_LINGER_MS: String(GATEWAY_PRODUCER.lingerMs),
    KAFKA_MAX_BATCH_RECORDS: String(GATEWAY_PRODUCER.maxBatchRecords),
    KAFKA_ACK_TIMEOUT_MS: String(GATEWAY_PRODUCER.ackTimeoutMs),
  });
}

/** The gateway started for single events, and the load request that drives it (32 connections, the profile's seconds). */
export async function singleEventGateway(context: BenchContext): Promise<{ gateway: ServiceProcess; request: HttpLoadRequest }> {
  const token = await benchCustomerToken(context);
  const gateway = await startBenchGateway(context, await benchDatabase(context));
  const request = { url: gateway.url, path: '/api/v1/track', headers: authHeaders(token), bodiesFile: singleBodiesFile(context), connections: 32, seconds: context.profile.httpSeconds };
  return { gateway, request };
}

export function authHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'x-customer-id': BENCH_CUSTOMER };
}

export function singleBodiesFile(context: BenchContext): string {
  return writeBodies(join(context.workDir, 'single-bodies.jsonl'), trackBodies(5_000, 11));
}

export function bulkBodiesFile(context: BenchContext, perRequest: number): string {
  return writeBodies(join(context.workDir, `bulk-${perRequest}-bodies.jsonl`), bulkBodies(trackBodies(100 * perRequest, 13), perRequest));
}

/** A short unmeasured run first, so the JIT and the connection pools are warm when the clock runs. */
export async function warmedLoad(request: HttpLoadRequest): Promise<HttpLoadResult> {
  await httpLoad({ ...request, seconds: 2 });
  return httpLoad(request);
}

/** Refuses to report a throughput made of errors: every answer of a measured run must be a success. */
export function assertAllAccepted(what: string, result: HttpLoadResult): void {
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${what}: ${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodes)}), ${result.errors} errors, ${result.timeouts} timeouts`);
  }
}
