import type { EachBatchPayload, Kafka } from 'kafkajs';
import pino from 'pino';
import { BatchConsumer, customerOfRecord, type BatchConsumerOptions, type RecordBatch } from './batch-consumer';

/** A kafkajs consumer double: records what the BatchConsumer resolves, commits and pauses. */
function fakeKafka() {
  const calls = { commits: [] as string[], paused: [] as number[] };
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (options: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
      eachBatch = options.eachBatch;
    },
    commitOffsets: async (offsets: Array<{ offset: string }>) => void calls.commits.push(...offsets.map((entry) => entry.offset)),
    pause: (topics: Array<{ partitions: number[] }>) => void calls.paused.push(...topics.flatMap((topic) => topic.partitions)),
    disconnect: async () => undefined,
  };
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  const deliver = async (partition: number, messages: Array<{ offset: number; customer: string }>) => {
    const resolved: string[] = [];
    await eachBatch?.({
      batch: {
        topic: 't',
        partition,
        messages: messages.map((message) => ({ offset: String(message.offset), key: Buffer.from(`${message.customer}:s`), value: Buffer.from('v'), headers: {}, timestamp: '0' })),
        lastOffset: () => String(messages[messages.length - 1]?.offset),
      },
      resolveOffset: (offset: string) => void resolved.push(offset),
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload);
    return resolved;
  };
  return { kafka, calls, deliver };
}

describe('BatchConsumer in a bounded replay', () => {
  const logger = pino({ level: 'silent' });

  async function started(bounds: NonNullable<BatchConsumerOptions['bounds']>) {
    const fake = fakeKafka();
    const handled: RecordBatch[] = [];
    const consumer = new BatchConsumer(fake.kafka, { groupId: 'g', topics: ['t'], fromBeginning: true, bounds }, logger);
    await consumer.start(async (batch) => void handled.push(batch));
    return { ...fake, handled };
  }

  it("moves past a fetch holding only other customers' records, so it is not fetched again forever", async () => {
    const drained = jest.fn();
    const sut = await started({ customer: 'a', stopOffsets: { t: { '0': '100' } }, onDrained: drained });
    const resolved = await sut.deliver(0, [{ offset: 10, customer: 'b' }, { offset: 11, customer: 'b' }]);
    expect(sut.handled).toEqual([]);
    expect(resolved).toEqual(['11']);
    expect(sut.calls.commits).toEqual(['12']);
    expect(drained).not.toHaveBeenCalled();
  });

  it('hands over only records before the stop offset and of the customer, then ends once every partition is done', async () => {
    const drained = jest.fn();
    const sut = await started({ customer: 'a', stopOffsets: { t: { '0': '3', '1': '5' } }, onDrained: drained });
    await sut.deliver(0, [{ offset: 1, customer: 'a' }, { offset: 2, customer: 'b' }, { offset: 3, customer: 'a' }]);
    expect(sut.handled.map((batch) => batch.records.map((record) => record.offset))).toEqual([['1']]);
    expect(sut.calls.paused).toEqual([0]);
    expect(drained).not.toHaveBeenCalled();
    await sut.deliver(1, [{ offset: 4, customer: 'a' }]);
    expect(drained).toHaveBeenCalledTimes(1);
  });

  it('pauses partitions that have nothing to replay', async () => {
    const sut = await started({ stopOffsets: { t: { '0': '3' } }, onDrained: jest.fn() });
    await sut.deliver(2, [{ offset: 7, customer: 'a' }]);
    expect(sut.handled).toEqual([]);
    expect(sut.calls.paused).toEqual([2]);
  });

  it("tells a record's customer by its CloudEvents source, else by its key", () => {
    expect(customerOfRecord({ headers: { ce_source: Buffer.from('/customers/one_spa') }, key: Buffer.from('x:s') })).toBe('one_spa');
    expect(customerOfRecord({ headers: {}, key: Buffer.from('retail_chain:session-1') })).toBe('retail_chain');
    expect(customerOfRecord({ headers: {}, key: null })).toBeUndefined();
  });
});
