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
  failed: number;
}

export async function pacedSend(request: PacedSendRequest): Promise<PacedSendResult> {
  const output = await runNode(join(__dirname, 'paced-sender.worker.js'), [JSON.stringify(request)]);
  return JSON.parse(output.trim().split('\n').pop() ?? '{}') as PacedSendResult;
}
