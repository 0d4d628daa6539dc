import type { TopicHealth } from './topic-health';
import { WriteGate } from './write-gate';

const topic = 'tracking.events.v1';
const belowMinIsr: TopicHealth = { topic, minInsyncReplicas: 2, partitions: [{ partition: 0, leader: 1, inSync: 1 }] };
const healthy: TopicHealth = { topic, minInsyncReplicas: 2, partitions: [{ partition: 0, leader: 1, inSync: 3 }] };
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('WriteGate', () => {
  const setup = (answers: TopicHealth[]) => {
    let now = 0;
    const asked: string[] = [];
    const gate = new WriteGate(
      [topic],
      async (name) => {
        asked.push(name);
        const answer = answers.shift();
        if (!answer) throw new Error('metadata unreachable');
        return answer;
      },
      { minIntervalMs: 500, maxAgeMs: 3000 },
      () => now,
    );
    return { gate, asked, advance: (ms: number) => (now += ms) };
  };

  it('lets writes through until a refresh finds no partition writable, then refuses them naming why', async () => {
    const { gate } = setup([belowMinIsr]);
    expect(gate.refusal([topic])).toBeUndefined();
    gate.refresh();
    await flush();
    expect(gate.refusal([topic])).toBe('not enough in-sync replicas for tracking.events.v1: every partition has 1 in sync, 2 required (min.insync.replicas)');
    expect(gate.refusal(['other.topic'])).toBeUndefined();
  });

  it('reads the metadata again while refusing, at most once per interval, and opens once the partitions recover', async () => {
    const { gate, asked, advance } = setup([belowMinIsr, belowMinIsr, healthy]);
    gate.refresh();
    await flush();
    expect(gate.refusal([topic])).toBeDefined();
    await flush();
    expect(asked).toHaveLength(1);
    advance(600);
    expect(gate.refusal([topic])).toBeDefined();
    await flush();
    advance(600);
    expect(gate.refusal([topic])).toBeDefined();
    await flush();
    expect(asked).toHaveLength(3);
    expect(gate.refusal([topic])).toBeUndefined();
  });

  it('forgets a verdict it could not renew, so unreachable metadata never holds writes back for long', async () => {
    const { gate, advance } = setup([belowMinIsr]);
    gate.refresh();
    await flush();
    advance(2000);
    expect(gate.refusal([topic])).toBeDefined();
    await flush();
    advance(1500);
    expect(gate.refusal([topic])).toBeUndefined();
  });
});
