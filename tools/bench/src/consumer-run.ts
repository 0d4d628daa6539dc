import type { Admin } from 'kafkajs';
import { TOPICS } from '@tracking/contracts';
import { sleep } from '@tools/local-stack/process-control';
import type { BenchContext } from './bench-context';
import { createGroupAtOffsets, endOffsets, waitForGroup, type Offsets } from './kafka-positions';
import type { ServiceProcess } from './service-process';

/**
 * A new group that reads the events topic from `from`, and every other topic the service subscribes
 * to (the loader also reads the audit topic) from its end: the service sees the measured events
 * only, never the history that earlier runs and tests left on the topics.
 */
export async function createConsumerGroup(context: BenchContext, groupId: string, from: Offsets, otherTopics: readonly string[] = []): Promise<void> {
  const positions = new Map([[TOPICS.trackingEvents as string, from]]);
  for (const topic of otherTopics) positions.set(topic, await endOffsets(context.admin, topic));
  await createGroupAtOffsets(context.connection.kafkaBrokers, groupId, positions);
}

/** Resolves with performance.now() of the first moment the group is seen Stable (joined and assigned). */
async function whenStable(admin: Admin, groupId: string, cancelled: () => boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { groups } = await admin.describeGroups([groupId]);
    if (groups[0]?.state === 'Stable') return performance.now();
    if (cancelled()) throw new Error(`group ${groupId}: start-up failed`);
    if (Date.now() > deadline) throw new Error(`group ${groupId} not stable ${timeoutMs / 1000} s after the service was started`);
    await sleep(20);
  }
}

export interface ConsumerRun {
  service: ServiceProcess;
  /** From the group's first Stable state until `done` resolved. */
  seconds: number;
}

/**
 * Times a consumer service over events already on the topic, without its start-up: the clock starts
 * when the group becomes Stable, i.e. after the process booted, connected and joined (and waited out
 * the broker's group.initial.rebalance.delay.ms, 0 on the local stack, 3 s by Kafka's default),
 * which is the moment it can fetch.
 * What is left inside the timing is what a running service does with a backlog: fetch, decode,
 * write, commit. `done` decides when the work is over (by default: committed offsets reach `to`);
 * the service is left running for the caller to inspect and stop.
 */
export async function timeConsumer(
  context: BenchContext,
  options: { service: string; env: Record<string, string>; groupId: string; to: Offsets; done?: (service: ServiceProcess) => Promise<void> },
): Promise<ConsumerRun> {
  let startFailed = false;
  // Start-up may take up to 90 s (ServiceLauncher's limit), then the join.
  const stable = whenStable(context.admin, options.groupId, () => startFailed, 150_000);
  // Observed below; without a handler here its rejection after a failed start would go unhandled.
  stable.catch(() => undefined);
  let service: ServiceProcess;
  const spawnedAt = performance.now();
  try {
    service = await context.services.start(options.service, options.env);
    context.progress(`${options.service} ready after ${((performance.now() - spawnedAt) / 1000).toFixed(1)} s`);
  } catch (error) {
    startFailed = true;
    throw error;
  }
  let stableAt: number;
  try {
    stableAt = await stable;
    context.progress(`${options.service}: group stable after ${((stableAt - spawnedAt) / 1000).toFixed(1)} s; timing from here`);
  } catch (error) {
    startFailed = true;
    await service.stop();
    throw error;
  }
  await (options.done ? options.done(service) : waitForCommits(context, options.groupId, options.to, options.service));
  return { service, seconds: (performance.now() - stableAt) / 1000 };
}

/** Waits until the group committed everything up to `to`, with a progress line every few seconds. */
export async function waitForCommits(context: BenchContext, groupId: string, to: Offsets, what: string, onProgress?: (remaining: number) => void): Promise<void> {
  let lastReport = 0;
  await waitForGroup(context.admin, groupId, TOPICS.trackingEvents, to, (remaining) => {
    onProgress?.(remaining);
    if (!onProgress && Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      context.progress(`${what}: ${remaining.toLocaleString('en-US')} records to go`);
    }
  });
}
