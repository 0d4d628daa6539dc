import type { Admin } from 'kafkajs';
import { CONSUMER_GROUPS, CONSUMER_SUBSCRIPTIONS, type ConsumingService } from '@tracking/contracts';
import { CliError } from '../cli-error';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Next offset the group will read; null when it never committed on this partition. */
  committed: number | null;
  /** End offset of the partition. */
  end: number;
  lag: number;
}

export interface GroupLag {
  group: string;
  /** Key in CONSUMER_GROUPS (vaultLoader, ...); null for another group asked for by id. */
  service: ConsumingService | null;
  /** Kafka's group state: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead (unknown). */
  state: string;
  members: number;
  topics: string[];
  partitions: PartitionLag[];
  lag: number;
}

export interface LagReport {
  groups: GroupLag[];
  totalLag: number;
}

export interface GroupTarget {
  group: string;
  service: ConsumingService | null;
  /** The service's subscriptions; undefined: the topics the group has committed offsets on. */
  topics?: readonly string[];
}

/**
 * Records a group has yet to read on a partition. With no committed offset (or one the retention
 * already deleted) everything the partition still holds counts: that is what a group starting from
 * the earliest offset would read.
 */
export function partitionLag(committed: number | null, low: number, high: number): number {
  if (committed === null || committed < low) return high - low;
  return Math.max(high - committed, 0);
}

/** The service groups, or the one asked for (a service's group id or key, or any other group id). */
export function lagTargets(selector?: string): GroupTarget[] {
  const services = Object.entries(CONSUMER_GROUPS) as Array<[ConsumingService, string]>;
  const targets = services.map(([service, group]): GroupTarget => ({ group, service, topics: CONSUMER_SUBSCRIPTIONS[service] }));
  if (selector === undefined) return targets;
  const known = targets.find((target) => target.group === selector || target.service === selector);
  return [known ?? { group: selector, service: null }];
}

async function groupLag(admin: Admin, target: GroupTarget): Promise<GroupLag> {
  const [described] = (await admin.describeGroups([target.group])).groups;
  const committed = await admin.fetchOffsets({ groupId: target.group, ...(target.topics ? { topics: [...target.topics] } : {}) });
  const topics = target.topics ? [...target.topics] : committed.map((entry) => entry.topic).sort();
  if (!target.service && topics.length === 0 && (described?.state ?? 'Dead') === 'Dead') {
    throw new CliError(
      `consumer group ${target.group} does not exist and has no committed offsets`,
      `Service groups: ${Object.entries(CONSUMER_GROUPS).map(([service, group]) => `${group} (${service})`).join(', ')}`,
    );
  }
  const partitions: PartitionLag[] = [];
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const offsets = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
    for (const { partition, low, high } of ends.sort((a, b) => a.partition - b.partition)) {
      const raw = Number(offsets.find((entry) => entry.partition === partition)?.offset ?? -1);
      const done = raw >= 0 ? raw : null;
      partitions.push({ topic, partition, committed: done, end: Number(high), lag: partitionLag(done, Number(low), Number(high)) });
    }
  }
  return {
    group: target.group,
    service: target.service,
    state: described?.state ?? 'Dead',
    members: described?.members.length ?? 0,
    topics,
    partitions,
    lag: partitions.reduce((sum, partition) => sum + partition.lag, 0),
  };
}

export async function consumerLag(admin: Admin, targets: readonly GroupTarget[]): Promise<LagReport> {
  const groups: GroupLag[] = [];
  for (const target of targets) groups.push(await groupLag(admin, target));
  return { groups, totalLag: groups.reduce((sum, group) => sum + group.lag, 0) };
}
