import { noPartitionWritable, unwritableReason, type PartitionState } from './topic-health';

const topic = 'tracking.events.v1';
const partitions = (states: Array<[leader: number, inSync: number]>): PartitionState[] => states.map(([leader, inSync], partition) => ({ partition, leader, inSync }));

describe('unwritableReason', () => {
  it('has none while every partition has a leader and min.insync.replicas in sync, even if not every replica is', () => {
    expect(unwritableReason({ topic, minInsyncReplicas: 2, partitions: partitions([[1, 3], [2, 2], [3, 2]]) })).toBeUndefined();
  });

  it('names the topic, the partitions short of in-sync replicas and the setting', () => {
    expect(unwritableReason({ topic, minInsyncReplicas: 2, partitions: partitions([[1, 1], [2, 1], [3, 3], [1, 1]]) })).toBe(
      'not enough in-sync replicas for tracking.events.v1: partitions 0-1, 3 have 1 in sync, 2 required (min.insync.replicas)',
    );
    expect(unwritableReason({ topic, minInsyncReplicas: 2, partitions: partitions([[1, 1], [1, 1]]) })).toBe(
      'not enough in-sync replicas for tracking.events.v1: every partition has 1 in sync, 2 required (min.insync.replicas)',
    );
    expect(unwritableReason({ topic, minInsyncReplicas: 3, partitions: partitions([[1, 1], [1, 2], [1, 3]]) })).toBe(
      'not enough in-sync replicas for tracking.events.v1: partitions 0-1 have as few as 1 in sync, 3 required (min.insync.replicas)',
    );
  });

  it('names partitions without a leader', () => {
    expect(unwritableReason({ topic, minInsyncReplicas: 2, partitions: partitions([[-1, 1], [2, 3]]) })).toBe('no leader for partition 0 of tracking.events.v1');
    expect(unwritableReason({ topic, minInsyncReplicas: 1, partitions: partitions([[-1, 0], [-1, 0]]) })).toBe('no leader for any partition of tracking.events.v1');
  });
});

describe('noPartitionWritable', () => {
  it('is true only when every partition lacks a leader or in-sync replicas', () => {
    expect(noPartitionWritable({ topic, minInsyncReplicas: 2, partitions: partitions([[1, 1], [-1, 0]]) })).toBe(true);
    expect(noPartitionWritable({ topic, minInsyncReplicas: 2, partitions: partitions([[1, 1], [2, 2]]) })).toBe(false);
    expect(noPartitionWritable({ topic, minInsyncReplicas: 2, partitions: [] })).toBe(false);
  });
});
