import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runNode } from '../child-node';

export interface HttpLoadRequest {
  url: string;
  path: string;
  headers: Record<string, string>;
  /** One JSON body per line, sent in turn. */
  bodiesFile: string;
  connections: number;
  seconds: number;
  /** Requests per second over all connections; unset: as fast as the server answers (saturation). */
  overallRate?: number;
}

export interface HttpLoadResult {
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  statusCodes: Record<string, number>;
}

export function writeBodies(file: string, bodies: readonly unknown[]): string {
  writeFileSync(file, `${bodies.map((body) => JSON.stringify(body)).join('\n')}\n`);
  return file;
}

/** Runs autocannon in a process of its own against `url` and returns its summary. */
export async function httpLoad(request: HttpLoadRequest): Promise<HttpLoadResult> {
  const output = await runNode(join(__dirname, 'http-load.worker.js'), [JSON.stringify(request)]);
  return JSON.parse(output.trim().split('\n').pop() ?? '{}') as HttpLoadResult;
}
