/** One partition as the cluster's metadata describes it. */
export interface PartitionState {
  partition: number;
  /** Node id of the leader; -1 while none is elected. */
  leader: number;
  /** Replicas in sync with the leader, the leader included. */
  inSync: number;
}

/** A topic's partitions and the in-sync replicas an acks=all write needs (its min.insync.replicas). */
export interface TopicHealth {
  topic: string;
  minInsyncReplicas: number;
  partitions: PartitionState[];
}

function ranges(partitions: readonly number[]): string {
  const sorted = [...partitions].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let index = 0; index < sorted.length; ) {
    let end = index;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end] + 1) end += 1;
    parts.push(end > index ? `${sorted[index]}-${sorted[end]}` : String(sorted[index]));
    index = end + 1;
  }
  return parts.join(', ');
}

/**
 * Why acks=all writes to some of the topic's partitions fail now, or undefined when all of them can
 * take writes: a partition without a leader refuses every write, one with fewer in-sync replicas than
 * min.insync.replicas answers NOT_ENOUGH_REPLICAS. Fewer replicas than the replication factor but
 * enough of them in sync is no reason: writes succeed.
 */
export function unwritableReason(health: TopicHealth): string | undefined {
  const leaderless = health.partitions.filter((partition) => partition.leader < 0).map((partition) => partition.partition);
  const short = health.partitions.filter((partition) => partition.leader >= 0 && partition.inSync < health.minInsyncReplicas);
  const reasons: string[] = [];
  if (short.length > 0) {
    const fewest = Math.min(...short.map((partition) => partition.inSync));
    const which =
      short.length === health.partitions.length
        ? 'every partition has'
        : short.length === 1
          ? `partition ${short[0].partition} has`
          : `partitions ${ranges(short.map((partition) => partition.partition))} have`;
    reasons.push(`not enough in-sync replicas for ${health.topic}: ${which} ${short.every((partition) => partition.inSync === fewest) ? '' : 'as few as '}${fewest} in sync, ${health.minInsyncReplicas} required (min.insync.replicas)`);
  }
  if (leaderless.length > 0) {
    const of = leaderless.length === health.partitions.length ? 'any partition' : `partition${leaderless.length > 1 ? 's' : ''} ${ranges(leaderless)}`;
    reasons.push(`no leader for ${of} of ${health.topic}`);
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/** True when no partition of the topic can take an acks=all write: every produce to it fails, whatever its key. */
export function noPartitionWritable(health: TopicHealth): boolean {
  return health.partitions.length > 0 && health.partitions.every((partition) => partition.leader < 0 || partition.inSync < health.minInsyncReplicas);
}
