import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { CompactedTopicFollower, type CompactedTopicHandler } from './compacted-topic-follower';

type Ends = Array<{ partition: number; high: string; low: string }>;

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A follower over an admin whose offset requests the test answers one by one, in the order they were sent. */
function followerWithAdmin() {
  const pending: Array<(ends: Ends) => void> = [];
  const admin = {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    fetchTopicOffsets: () => new Promise<Ends>((resolve) => pending.push(resolve)),
  };
  const kafka = { admin: () => admin } as unknown as Kafka;
  const handler = {} as CompactedTopicHandler<string>;
  const follower = new CompactedTopicFollower(kafka, {} as Logger, { topic: 'privacy.erasures.v1', readerName: 'spec', label: 'spec' }, handler);
  const endOffsets = (): Promise<Ends> => (follower as unknown as { endOffsets(): Promise<Ends> }).endOffsets();
  const answer = (high: string): void => pending.shift()?.([{ partition: 0, high, low: '0' }]);
  return { endOffsets, answer, sent: () => pending.length };
}

describe('CompactedTopicFollower end offsets', () => {
  it('never answers a caller with a request sent before its call: it shares the next one', async () => {
    const { endOffsets, answer, sent } = followerWithAdmin();
    const first = endOffsets();
    await flush();
    expect(sent()).toBe(1);

    // Asked while the first request is in flight: a record acknowledged meanwhile is past that request's answer.
    const second = endOffsets();
    const third = endOffsets();
    await flush();
    expect(sent()).toBe(1);

    answer('5');
    await expect(first).resolves.toEqual([{ partition: 0, high: '5', low: '0' }]);
    await flush();
    expect(sent()).toBe(1);

    answer('7');
    await expect(second).resolves.toEqual([{ partition: 0, high: '7', low: '0' }]);
    await expect(third).resolves.toEqual([{ partition: 0, high: '7', low: '0' }]);
  });

  it('asks again for a caller that comes after the last request ended', async () => {
    const { endOffsets, answer, sent } = followerWithAdmin();
    const first = endOffsets();
    await flush();
    answer('5');
    await first;

    const later = endOffsets();
    await flush();
    expect(sent()).toBe(1);
    answer('9');
    await expect(later).resolves.toEqual([{ partition: 0, high: '9', low: '0' }]);
  });
});
