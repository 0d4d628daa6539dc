import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { HttpLoadRequest, HttpLoadResult } from './http-load';

/**
 * The load generator, run as its own process (by http-load.ts) so it never shares an event loop
 * with what it measures. Reads its job as JSON from argv, cycles through the bodies file (one body
 * per line), and prints the summary as JSON on stdout.
 */
async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as HttpLoadRequest;
  const bodies = readFileSync(job.bodiesFile, 'utf8').split('\n').filter(Boolean);
  let next = 0;
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.seconds,
    ...(job.overallRate ? { overallRate: job.overallRate } : {}),
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: job.path,
        headers: { 'content-type': 'application/json', ...job.headers },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
      },
    ],
  });
  const summary: HttpLoadResult = {
    seconds: result.duration,
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, (stats as { count: number }).count])),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`load: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
