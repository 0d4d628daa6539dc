import { join } from 'node:path';
import { runNode } from '../child-node';

export interface PacedSendRequest {
  url: string;
  path: string;
  headers: Record<string, string>;
  bodiesFile: string;
  /** Requests per second, started on schedule whether or not earlier ones were answered. */
  rate: number;
  seconds: number;
  /** Where the sender writes "event_id<TAB>sent at<TAB>acknowledged at" lines (epoch ms). */
  outFile: string;
}

export interface PacedSendResult {
  sent: number;
  acked: number;
  /** Requests the gateway answered with anything but a 2xx and an event id. */
  failed: number;
  /** Requests that got no answer, by cause (e.g. ECONNRESET). */
  transportErrors: Record<string, number>;
}

export function transportErrorCount(result: PacedSendResult): number {
  return Object.values(result.transportErrors).reduce((sum, count) => sum + count, 0);
}

export async function pacedSend(request: PacedSendRequest): Promise<PacedSendResult> {
  const output = await runNode(join(__dirname, 'paced-sender.worker.js'), [JSON.stringify(request)]);
  return JSON.parse(output.trim().split('\n').pop() ?? '{}') as PacedSendResult;
}
