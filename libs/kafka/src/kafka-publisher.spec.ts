import type { ICustomPartitioner, Kafka, ProducerBatch, ProducerConfig, RecordMetadata } from 'kafkajs';
import { KafkaPublisher, PublishError } from './kafka-publisher';

describe(KafkaPublisher.name, () => {
  /** Producers whose sends settle only when the test says so; all of them share one record of sends. */
  const setup = (timeoutMs = 10_000) => {
    const sends: Array<{ producer: number; batch: ProducerBatch; resolve: (metadata: RecordMetadata[]) => void; reject: (error: Error) => void }> = [];
    const producers: Array<{ sendBatch: jest.Mock; connect: jest.Mock; disconnect: jest.Mock }> = [];
    const newProducer = () => {
      const id = producers.length;
      const made = {
        sendBatch: jest.fn(
          (batch: ProducerBatch) =>
            new Promise<RecordMetadata[]>((resolve, reject) => {
              sends.push({ producer: id, batch, resolve, reject });
            }),
        ),
        connect: jest.fn(async () => undefined),
        disconnect: jest.fn(async () => undefined),
      };
      producers.push(made);
      return made;
    };
    const kafka = { producer: newProducer } as unknown as Kafka;
    const sut = new KafkaPublisher(kafka, { timeoutMs });
    return { sut, producers, sends };
  };
  const message = (value: string) => [{ topic: 't', messages: [{ key: 'k', value }] }];
  const flush = () => new Promise((resolve) => setImmediate(resolve));

  describe('sendBatch', () => {
    it('hands the producer one send at a time, so a failed request is retried before anything takes its sequence numbers', async () => {
      const { sut, sends } = setup();

      const first = sut.sendBatch(message('a'));
      const second = sut.sendBatch(message('b'));
      await flush();
      expect(sends).toHaveLength(1);

      sends[0].resolve([]);
      await first;
      await flush();
      expect(sends).toHaveLength(2);
      expect(sends[1].batch.topicMessages?.[0].messages[0].value).toBe('b');
      sends[1].resolve([]);
      await second;
    });

    it('sends with a new producer id after kafkajs gave up on a send, whose sequence numbers it gave back', async () => {
      const { sut, producers, sends } = setup();

      const failed = sut.sendBatch(message('a'));
      await flush();
      sends[0].reject(new Error('Connection error: connect ECONNREFUSED'));
      await expect(failed).rejects.toBeInstanceOf(PublishError);

      const next = sut.sendBatch(message('b'));
      await flush();
      expect(producers).toHaveLength(2);
      expect(producers[0].disconnect).toHaveBeenCalled();
      expect(producers[1].connect).toHaveBeenCalled();
      expect(sends[1].producer).toBe(1);
      sends[1].resolve([]);
      await expect(next).resolves.toEqual([]);
    });

    it('goes on with the next send after one fails', async () => {
      const { sut, sends } = setup();

      const first = sut.sendBatch(message('a'));
      const second = sut.sendBatch(message('b'));
      await flush();
      sends[0].reject(new Error('broker gone'));

      await expect(first).rejects.toBeInstanceOf(PublishError);
      await flush();
      expect(sends).toHaveLength(2);
      sends[1].resolve([]);
      await expect(second).resolves.toEqual([]);
    });

    it('answers at the deadline, sends the next records at once with a new producer, and retires the stuck one', async () => {
      const { sut, producers, sends } = setup(50);

      const stuck = sut.sendBatch(message('a'));
      await expect(stuck).rejects.toThrow(/no acknowledgement within 50 ms/);
      const next = sut.sendBatch(message('b'));
      await flush();
      expect(sends.map((send) => send.producer)).toEqual([0, 1]);
      sends[1].resolve([]);
      await expect(next).resolves.toEqual([]);

      // The broker comes back and the stuck request finally lands: its producer is let go.
      sends[0].resolve([]);
      await flush();
      expect(producers[0].disconnect).toHaveBeenCalled();
      expect(producers[1].disconnect).not.toHaveBeenCalled();
    });
  });

  describe('an answer that leaves out a partition', () => {
    /** A producer that places each message with the partitioner it was given (two partitions) and answers for the partitions `answer` names. */
    const placing = (answer: (placed: number[]) => number[]) => {
      const kafka = {
        producer: (config: ProducerConfig) => {
          const partitioner = (config.createPartitioner as ICustomPartitioner)();
          const partitionMetadata = [0, 1].map((partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
          return {
            connect: async () => undefined,
            disconnect: async () => undefined,
            sendBatch: async (batch: ProducerBatch) => {
              const placed = (batch.topicMessages ?? []).flatMap(({ topic, messages }) => messages.map((message) => partitioner({ topic, partitionMetadata, message })));
              return answer([...new Set(placed)]).map((partition) => ({ topicName: 't', partition, errorCode: 0 }) as RecordMetadata);
            },
          };
        },
      } as unknown as Kafka;
      return new KafkaPublisher(kafka);
    };
    // Keys that the default partitioner spreads over both partitions.
    const messages = Array.from({ length: 8 }, (_, index) => ({ key: `session-${index}`, value: String(index) }));

    it('resolves when every partition the records were placed on was acknowledged', async () => {
      await expect(placing((placed) => placed).send('t', messages)).resolves.toHaveLength(2);
    });

    it('fails when kafkajs reports success without an acknowledgement for one of them (its retries after a leader moved)', async () => {
      const sut = placing((placed) => placed.slice(0, 1));
      await expect(sut.send('t', messages)).rejects.toThrow(PublishError);
      await expect(sut.send('t', messages)).rejects.toThrow(/without an acknowledgement for t:[01] \(leaders moved during its retries\)/);
    });
  });
});
