import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { PacedSendRequest, PacedSendResult } from './paced-sender';

const now = (): number => performance.timeOrigin + performance.now();

/**
 * Open-loop sender, its own process: single events at a fixed rate whatever the answers' pace
 * (a closed loop would slow down with the server and hide its queueing), recording when each
 * event's request was sent and when its id was acknowledged. Writes "event_id<TAB>sent<TAB>acked"
 * lines (epoch ms) to the output file.
 */
async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as PacedSendRequest;
  const bodies = readFileSync(job.bodiesFile, 'utf8').split('\n').filter(Boolean);
  const total = Math.round(job.rate * job.seconds);
  const acks: string[] = [];
  const result: PacedSendResult = { sent: 0, acked: 0, failed: 0, transportErrors: {} };
  const inFlight = new Set<Promise<void>>();
  const send = async (body: string): Promise<void> => {
    const sentAt = now();
    try {
      const response = await fetch(`${job.url}${job.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...job.headers }, body });
      const answer = (await response.json()) as { event_id?: string };
      if (response.ok && answer.event_id) {
        acks.push(`${answer.event_id}\t${sentAt.toFixed(3)}\t${now().toFixed(3)}`);
        result.acked++;
      } else result.failed++;
    } catch (error) {
      // No answer at all (a reset or refused connection): counted by cause, apart from the server's refusals.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const key = cause?.code ?? cause?.message ?? (error as Error).message;
      result.transportErrors[key] = (result.transportErrors[key] ?? 0) + 1;
    }
  };
  const startedAt = now();
  while (result.sent < total) {
    const due = Math.min(total, Math.floor(((now() - startedAt) / 1000) * job.rate) + 1);
    while (result.sent < due) {
      const request = send(bodies[result.sent % bodies.length] ?? '{}');
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
      result.sent++;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all([...inFlight]);
  writeFileSync(job.outFile, `${acks.join('\n')}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`paced sender: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
