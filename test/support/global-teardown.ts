import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { clusterStackLayout, clusterStackVariables } from './cluster-stack-settings';
import { stackDown } from './stack-commands';

const ROOT = join(__dirname, '..', '..');

/**
 * Stops only what the setup started: a stack that was already up (npm start, CI) stays up. The
 * drills' three-broker cluster (test/support/cluster-stack.ts) is stopped too, unless
 * KEEP_CLUSTER_STACK=true: four JVMs idling through the rest of a CI job cost memory and CPU; its
 * data stays, so the next run starts it warm.
 */
export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as { __stackStarted?: string[] }).__stackStarted ?? [];
  if (started.length > 0) await stackDown(started);
  const cluster = clusterStackLayout(ROOT);
  const pids = join(cluster.stackDir, 'run');
  if (process.env['KEEP_CLUSTER_STACK'] !== 'true' && existsSync(pids) && readdirSync(pids).some((file) => file.endsWith('.pid'))) {
    // Only the pid files matter to `down`; the external servers are named so that it starts nothing of its own.
    const unused = { databaseUrl: 'postgres://unused@127.0.0.1:1/unused', redisUrl: 'redis://127.0.0.1:1', s3Endpoint: 'http://127.0.0.1:1' };
    await stackDown(['kafka', 'schema-registry'], { ...process.env, ...clusterStackVariables(cluster, unused) });
  }
}
