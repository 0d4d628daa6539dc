import { CONSUMER_SUBSCRIPTIONS, TOPICS } from '@tracking/contracts';
import type { BenchContext } from './bench-context';
import { createConsumerGroup, timeConsumer, waitForCommits, type ConsumerRun } from './consumer-run';
import type { ProducedRange } from './event-producer';

/**
 * Runs the vault loader over the produced events into the given database under a new group, and
 * stops it once they are committed (each batch commits after its transaction, so by then every row
 * is durable). The group is deleted afterwards.
 */
export async function timeVaultLoad(
  context: BenchContext,
  databaseUrl: string,
  range: ProducedRange,
  options: { label: string; env?: Record<string, string>; onProgress?: (remaining: number) => void },
): Promise<ConsumerRun> {
  const groupId = `bench-${options.label}-${Date.now()}`;
  const otherTopics = CONSUMER_SUBSCRIPTIONS.vaultLoader.filter((topic) => topic !== TOPICS.trackingEvents);
  await createConsumerGroup(context, groupId, range.from, otherTopics);
  try {
    const run = await timeConsumer(context, {
      service: 'vault-loader',
      env: { ...context.serviceEnv(databaseUrl), VAULT_LOADER_GROUP_ID: groupId, ...options.env },
      groupId,
      to: range.to,
      done: () => waitForCommits(context, groupId, range.to, 'vault-loader', options.onProgress),
    });
    await run.service.stop();
    return run;
  } finally {
    await context.admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
