import type { EachBatchPayload, Kafka } from 'kafkajs';
import pino from 'pino';
import { Registry } from 'prom-client';
import { DependencyUnavailableError } from '@tracking/contracts';
import type { ConsumedRecord } from './consumed-record';
import { COMMIT_EXPLICITLY, type ConsumerBatch, type KafkaBatchContext, type RejectedRecord } from './consumer-batch';
import { ConsumerMetrics } from './consumer.metrics';
import type { DeadLetterPublisher } from './dead-letter.publisher';
import { KafkaBatchTransport } from './kafka-batch.transport';
import type { RecordDecoders } from './record-decoders';

type Handler = (batch: ConsumerBatch<string>, context: KafkaBatchContext) => Promise<unknown>;

/** A kafkajs consumer double that records, in one timeline, what the transport commits and what the handlers and the dead-letter publisher see. */
function setup(options: {
  handlers: Record<string, { handle: Handler; explicit?: boolean }>;
  skip?: (customer: string) => string | undefined;
  subscriptions?: string[];
  commitError?: Error;
}) {
  const timeline: string[] = [];
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (runOptions: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => void (eachBatch = runOptions.eachBatch),
    commitOffsets: async (offsets: Array<{ offset: string }>) => {
      if (options.commitError) throw options.commitError;
      timeline.push(...offsets.map((entry) => `commit ${entry.offset}`));
    },
    pause: () => undefined,
    disconnect: async () => undefined,
    on: () => undefined,
    events: { GROUP_JOIN: 'consumer.group_join' },
  };
  // Values are "<customer>:<text>"; "bad" cannot be decoded.
  const decoders = {
    decode: async (_topic: string, records: ConsumedRecord[]) => {
      timeline.push(`decode ${records.map((record) => record.offset).join(',')}`);
      const decoded = records.filter((record) => !record.value?.toString().endsWith('bad')).map((record) => ({ record, value: record.value?.toString() ?? '', schemaId: 1 }));
      const rejected = records.filter((record) => record.value?.toString().endsWith('bad')).map((record) => ({ record, reason: 'undecodable' }));
      return { decoded, rejected };
    },
  } as unknown as RecordDecoders;
  const deadLetters = {
    publish: async (records: readonly RejectedRecord[]) => void timeline.push(`dead-letter ${records.map((entry) => entry.record.offset).join(',')}`),
  } as unknown as DeadLetterPublisher;
  const registry = new Registry();
  const sut = new KafkaBatchTransport(
    { groupId: 'g', subscriptions: options.subscriptions ?? Object.keys(options.handlers), fromBeginning: true, sessionTimeoutMs: 6000, fetch: { maxBytes: 4 << 20, maxBytesPerPartition: 1 << 20 } },
    {
      kafka: { consumer: () => consumer } as unknown as Kafka,
      decoders,
      deadLetters,
      metrics: new ConsumerMetrics(registry, 'test'),
      logger: pino({ level: 'silent' }),
    },
  );
  if (options.skip) sut.takeInterest({ skipReason: options.skip });
  for (const [topic, { handle, explicit }] of Object.entries(options.handlers)) {
    sut.addHandler(topic, (batch: ConsumerBatch<string>, context: KafkaBatchContext) => handle(batch, context), true, explicit ? COMMIT_EXPLICITLY : {});
  }
  const listen = () => new Promise<void>((resolve, reject) => sut.listen((error?: unknown) => (error ? reject(error) : resolve())));
  const deliver = async (topic: string, values: string[], firstOffset = 0) => {
    const messages = values.map((value, index) => ({ offset: String(firstOffset + index), key: Buffer.from(`${value.split(':')[0]}:s`), value: Buffer.from(value), headers: {}, timestamp: '0' }));
    await eachBatch?.({
      batch: { topic, partition: 0, messages, lastOffset: () => messages[messages.length - 1].offset },
      resolveOffset: (offset: string) => void timeline.push(`resolve ${offset}`),
      heartbeat: async () => void timeline.push('heartbeat'),
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload);
  };
  return { sut, timeline, listen, deliver, registry };
}

describe(KafkaBatchTransport.name, () => {
  describe('listen', () => {
    it('refuses to start when the handlers do not match the topics the service declares', async () => {
      const { listen } = setup({ handlers: { a: { handle: async () => undefined } }, subscriptions: ['a', 'b'] });
      await expect(listen()).rejects.toThrow('declares it reads [a, b] but has handlers for [a]');
    });
  });

  describe('when the handler commits after it resolves (default)', () => {
    it('commits only after the handler resolved and the records it rejected are dead-lettered', async () => {
      const seen: string[][] = [];
      const { timeline, listen, deliver } = setup({
        handlers: {
          t: {
            handle: async (batch) => {
              seen.push(batch.records.map((record) => record.value));
              timeline.push('handled');
              return [{ record: batch.records[0].record, reason: 'refused' }];
            },
          },
        },
      });
      await listen();
      await deliver('t', ['a:1', 'a:bad', 'a:3']);
      expect(seen).toEqual([['a:1', 'a:3']]);
      expect(timeline).toEqual(['decode 0,1,2', 'handled', 'dead-letter 1,0', 'resolve 2', 'commit 3', 'heartbeat']);
    });

    it('leaves the batch uncommitted and throws when the handler fails', async () => {
      const { timeline, listen, deliver } = setup({ handlers: { t: { handle: async () => Promise.reject(new DependencyUnavailableError('database down')) } } });
      await listen();
      await expect(deliver('t', ['a:1'])).rejects.toThrow('database down');
      expect(timeline.filter((entry) => entry.startsWith('commit') || entry.startsWith('resolve'))).toEqual([]);
    });

    it("skips the records of customers the service has no interest in without decoding them, and still commits past them", async () => {
      const handled: string[] = [];
      const { timeline, listen, deliver, registry } = setup({
        handlers: { t: { handle: async (batch) => void handled.push(...batch.records.map((record) => record.value)) } },
        skip: (customer) => (customer === 'b' ? 'not_configured' : undefined),
      });
      await listen();
      await deliver('t', ['a:1', 'b:2', 'b:3']);
      expect(handled).toEqual(['a:1']);
      expect(timeline).toEqual(['decode 0', 'resolve 2', 'commit 3', 'heartbeat']);
      expect(await registry.getSingleMetricAsString('test_records_skipped_total')).toContain('test_records_skipped_total{topic="t",reason="not_configured"} 2');
    });

    it('does not call the handler for a batch with nothing to hand over, but commits past it', async () => {
      const handle = jest.fn(async () => undefined);
      const { timeline, listen, deliver } = setup({ handlers: { t: { handle } } });
      await listen();
      await deliver('t', ['a:bad']);
      expect(handle).not.toHaveBeenCalled();
      expect(timeline).toEqual(['decode 0', 'dead-letter 0', 'resolve 0', 'commit 1', 'heartbeat']);
    });
  });

  describe('when a batch outlasts the session timeout', () => {
    afterEach(() => jest.useRealTimers());

    it('heartbeats while the handler waits, so the group keeps the member', async () => {
      jest.useFakeTimers();
      let finish!: () => void;
      const { timeline, listen, deliver } = setup({ handlers: { t: { handle: () => new Promise<void>((resolve) => (finish = resolve)) } } });
      await listen();
      const delivered = deliver('t', ['a:1']);
      // The session timeout is 6 s; the handler waits 20 s on its database.
      await jest.advanceTimersByTimeAsync(20_000);
      finish();
      await delivered;
      expect(timeline.filter((entry) => entry === 'heartbeat').length).toBeGreaterThanOrEqual(10);
      expect(timeline.slice(-3)).toEqual(['resolve 0', 'commit 1', 'heartbeat']);
    });

    it("hands kafkajs the coordinator's own error when a commit finds the member evicted, so kafkajs rejoins instead of crashing", async () => {
      const evicted = Object.assign(new Error('The coordinator is not aware of this member'), { type: 'UNKNOWN_MEMBER_ID', retriable: false });
      const wrapped = Object.assign(new Error(`wrapped: ${evicted.message}`), { name: 'KafkaJSNonRetriableError', retriable: false, cause: evicted });
      const { listen, deliver } = setup({ handlers: { t: { handle: async () => undefined } }, commitError: wrapped });
      await listen();
      await expect(deliver('t', ['a:1'])).rejects.toBe(evicted);
    });
  });

  describe('when the handler commits explicitly', () => {
    it('dead-letters first, hands over the whole fetch with its last offset, and commits nothing itself', async () => {
      const seen: Array<{ values: string[]; lastOffset: string }> = [];
      const { timeline, listen, deliver } = setup({
        handlers: {
          t: {
            explicit: true,
            handle: async (batch, context) => {
              seen.push({ values: batch.records.map((record) => record.value), lastOffset: batch.lastOffset });
              context.resolveOffset(batch.lastOffset);
            },
          },
        },
      });
      await listen();
      await deliver('t', ['a:1', 'a:bad'], 10);
      expect(seen).toEqual([{ values: ['a:1'], lastOffset: '11' }]);
      expect(timeline).toEqual(['decode 10,11', 'dead-letter 11', 'resolve 11']);
    });
  });
});
