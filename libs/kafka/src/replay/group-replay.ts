import type { Admin } from 'kafkajs';

/**
 * Moving a consuming service's live group to a point on the log: the one implementation behind
 * `tracking replay` (tools/cli) and the console's replay (POST /console/api/replay), so a dry run in
 * either shows exactly what the real run in either does.
 */

/** Where a replay starts: the log's beginning or end, a time on the log, or explicit offsets. */
export type ReplayStart = { kind: 'beginning' } | { kind: 'end' } | { kind: 'time'; at: number } | { kind: 'offsets'; offsets: Map<number, bigint> };

export interface ReplayPartitionState {
  partition: number;
  low: bigint;
  high: bigint;
  /** The group's committed offset, undefined when it has none. */
  committed?: bigint;
}

export interface PartitionMove {
  partition: number;
  from?: bigint;
  to: bigint;
  /** Records read again (positive) or skipped (negative) by the move. */
  delta: bigint;
}

export interface TopicPlan {
  topic: string;
  moves: PartitionMove[];
}

/** Clamps a target into the partition's retained range, so a replay never asks for offsets that are gone. */
export function clampOffset(offset: bigint, state: ReplayPartitionState): bigint {
  if (offset < state.low) return state.low;
  if (offset > state.high) return state.high;
  return offset;
}

/** Per partition: where the group is, where it will be, and how many records that means. */
export function planMoves(states: readonly ReplayPartitionState[], targets: Map<number, bigint>): PartitionMove[] {
  return states
    .filter((state) => targets.has(state.partition))
    .map((state) => {
      const to = clampOffset(targets.get(state.partition) as bigint, state);
      const from = state.committed;
      const position = from ?? state.low;
      return { partition: state.partition, from, to, delta: position - to };
    });
}

/** Each partition's retained range and the group's committed offset in it. */
export async function partitionStates(admin: Admin, groupId: string, topic: string): Promise<ReplayPartitionState[]> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const done = new Map((committed[0]?.partitions ?? []).map((entry) => [entry.partition, BigInt(entry.offset)]));
  return ends.map((end) => {
    const offset = done.get(end.partition);
    return { partition: end.partition, low: BigInt(end.low), high: BigInt(end.high), committed: offset !== undefined && offset >= 0n ? offset : undefined };
  });
}

/** The offset of the first record at or after `at` in each partition (Kafka's offsetsForTimes); the end for partitions with none. */
export async function offsetsAt(admin: Admin, topic: string, at: number, states: readonly ReplayPartitionState[]): Promise<Map<number, bigint>> {
  const found = await admin.fetchTopicOffsetsByTimestamp(topic, at);
  const high = new Map(states.map((state) => [state.partition, state.high]));
  return new Map(found.map((entry) => [entry.partition, BigInt(entry.offset) < 0n ? (high.get(entry.partition) ?? 0n) : BigInt(entry.offset)]));
}

/** Where each partition of `topic` goes for `start`; explicit offsets name partitions of the service's main topic only. */
export async function targetsFor(admin: Admin, topic: string, start: ReplayStart, states: readonly ReplayPartitionState[], primaryTopic: string): Promise<Map<number, bigint>> {
  switch (start.kind) {
    case 'beginning':
      return new Map(states.map((state) => [state.partition, state.low]));
    case 'end':
      return new Map(states.map((state) => [state.partition, state.high]));
    case 'time':
      return offsetsAt(admin, topic, start.at, states);
    case 'offsets':
      // Explicit offsets name partitions of the service's main topic; its other topics stay where they are.
      return topic === primaryTopic ? start.offsets : new Map();
  }
}

/** The live group's plan over every topic the service reads (the first is its main topic). Reads only. */
export async function planGroupReplay(admin: Admin, groupId: string, topics: readonly string[], start: ReplayStart): Promise<TopicPlan[]> {
  const plans: TopicPlan[] = [];
  for (const topic of topics) {
    const states = await partitionStates(admin, groupId, topic);
    plans.push({ topic, moves: planMoves(states, await targetsFor(admin, topic, start, states, topics[0] as string)) });
  }
  return plans;
}

/** Members of the group now: a running service. */
export async function liveMembers(admin: Admin, groupId: string): Promise<number> {
  const { groups } = await admin.describeGroups([groupId]);
  return groups[0]?.members.length ?? 0;
}

/**
 * Commits the plan's targets for the group. The caller checks first that the group has no live
 * member: Kafka refuses to move a group with members, and a running service would overwrite the
 * move with its next commit.
 */
export async function applyGroupReplay(admin: Admin, groupId: string, plans: readonly TopicPlan[]): Promise<void> {
  for (const plan of plans) {
    if (plan.moves.length === 0) continue;
    await admin.setOffsets({ groupId, topic: plan.topic, partitions: plan.moves.map((move) => ({ partition: move.partition, offset: move.to.toString() })) });
  }
}

/** Records the plan reads again (moves backwards only). */
export function recordsReadAgain(plans: readonly TopicPlan[]): bigint {
  return plans.reduce((total, plan) => plan.moves.reduce((sum, move) => (move.delta > 0n ? sum + move.delta : sum), total), 0n);
}
