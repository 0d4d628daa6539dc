import type { Admin } from 'kafkajs';
import type * as Platformatic from '@platformatic/kafka' with { 'resolution-mode': 'import' };
import { sleep } from '@tools/local-stack/process-control';
import { platformaticConnection } from './bench-connection';

// @platformatic/kafka is published as ES modules only; Node 24 require()s them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Admin: PlatformaticAdmin } = require('@platformatic/kafka') as typeof Platformatic;

export type Offsets = Map<number, bigint>;

export async function endOffsets(admin: Admin, topic: string): Promise<Offsets> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((entry) => [entry.partition, BigInt(entry.high)]));
}

export function recordsBetween(from: Offsets, to: Offsets): number {
  let total = 0n;
  for (const [partition, end] of to) total += end - (from.get(partition) ?? 0n);
  return Number(total);
}

/**
 * A new consumer group positioned on several topics at once, in well under a second: the offsets are
 * committed outside any generation (OffsetCommit with generation -1, as Kafka's own
 * AdminClient.alterConsumerGroupOffsets does). kafkajs's admin.setOffsets joins the
 * group to commit instead, so each call waits out the broker's initial rebalance delay: about 5 s.
 */
export async function createGroupAtOffsets(brokers: readonly string[], groupId: string, positions: ReadonlyMap<string, Offsets>): Promise<void> {
  const admin = new PlatformaticAdmin(platformaticConnection(brokers, 'bench'));
  try {
    await admin.alterConsumerGroupOffsets({
      groupId,
      topics: [...positions].map(([name, offsets]) => ({ name, partitionOffsets: [...offsets].map(([partition, offset]) => ({ partition, offset })) })),
    });
  } finally {
    await admin.close();
  }
}

/** Records of `topic` up to `target` that the group has not committed yet. */
export async function recordsToGo(admin: Admin, groupId: string, topic: string, target: Offsets): Promise<bigint> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const positions: Offsets = new Map((committed?.partitions ?? []).map((entry) => [entry.partition, BigInt(entry.offset)]));
  let remaining = 0n;
  for (const [partition, end] of target) {
    const at = positions.get(partition) ?? -1n;
    if (at < end) remaining += end - (at < 0n ? 0n : at);
  }
  return remaining;
}

/**
 * Waits until the group's committed offsets reach `target` on every partition, reporting the
 * records still to go. Consumers commit only after their side effect is durable, so this is the
 * moment everything up to `target` is loaded, exported or evaluated.
 */
export async function waitForGroup(
  admin: Admin,
  groupId: string,
  topic: string,
  target: Offsets,
  onProgress: (remaining: number) => void,
  timeoutMs = 30 * 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = await recordsToGo(admin, groupId, topic, target);
    if (remaining === 0n) return;
    onProgress(Number(remaining));
    if (Date.now() > deadline) throw new Error(`group ${groupId} still has ${remaining} records to go on ${topic} after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}
