import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { ProgressBar } from '../output';
import { explainKafkaFailure } from './connection-errors';
import { PartitionProgress } from './partition-progress';
import { decodeHeaders, type RecordDecoder, type TailLine } from './record-decoder';
import { matchesFilter, rejectedByHeaders, type RecordFilter } from './record-filter';
import { startOffsets, type PartitionRange, type StartPosition } from './start-position';

export interface TailOptions {
  topic: string;
  ranges: readonly PartitionRange[];
  /** Stop once every partition reached the end offsets of `ranges`; otherwise follow until aborted. */
  untilEnd: boolean;
  limit?: number;
  filter: RecordFilter;
  /** Aborting (Ctrl-C) ends a follow cleanly. */
  signal: AbortSignal;
  /** Whether a record is about an erased subject (issue 20): such a record is counted, never printed. */
  erased?: (line: TailLine) => boolean;
}

export type TailStop = 'end' | 'limit' | 'signal';

export interface TailSummary {
  printed: number;
  scanned: number;
  /** Matching records withheld: their subject was erased. */
  withheld: number;
  stoppedBy: TailStop;
}

/** Start and end offsets of every partition for a `--from` position, end offsets taken now. */
export async function tailRanges(admin: Admin, topic: string, from: StartPosition): Promise<PartitionRange[]> {
  const watermarks = (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({ partition, low: Number(low), high: Number(high) }));
  const byTimestamp =
    from.kind === 'timestamp'
      ? new Map((await admin.fetchTopicOffsetsByTimestamp(topic, from.at)).map(({ partition, offset }) => [partition, Number(offset)]))
      : undefined;
  return startOffsets(from, watermarks, byTimestamp).sort((a, b) => a.partition - b.partition);
}

/**
 * Reads a topic from given offsets with a consumer group of its own that never commits, so
 * tailing moves no service's position and leaves nothing behind (Kafka drops an empty group
 * without offsets). kafkajs has no manual assignment; the group's only member gets every
 * partition and seeks each to its start.
 */
export async function tailTopic(
  kafka: Kafka,
  brokers: readonly string[],
  decoder: RecordDecoder,
  options: TailOptions,
  emit: (line: TailLine) => void,
  bar?: ProgressBar,
): Promise<TailSummary> {
  const followRanges = options.untilEnd ? options.ranges : options.ranges.map((range) => ({ ...range, end: Number.POSITIVE_INFINITY }));
  const progress = new PartitionProgress(followRanges);
  const summary: TailSummary = { printed: 0, scanned: 0, withheld: 0, stoppedBy: 'end' };
  if (options.untilEnd && progress.finished) return summary;
  if (options.signal.aborted) return { ...summary, stoppedBy: 'signal' };

  let stopped = false;
  let settle!: (outcome: TailStop | Error) => void;
  const outcome = new Promise<TailStop | Error>((resolve) => (settle = resolve));
  const stop = (reason: TailStop | Error): void => {
    if (stopped) return;
    stopped = true;
    settle(reason);
  };
  const onAbort = (): void => stop('signal');
  options.signal.addEventListener('abort', onAbort, { once: true });
  const advance = (covered: number): void => {
    if (options.untilEnd && covered > 0) bar?.tick(covered);
    if (options.untilEnd && progress.finished) stop('end');
  };

  const consumer = kafka.consumer({ groupId: `tracking-cli-tail-${randomUUID()}`, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  const handledInBatch = new Map<number, number>();
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => handledInBatch.set(payload.partition, 0));
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (stopped) return;
    advance(
      progress.batchEnded({
        partition: payload.partition,
        firstOffset: payload.firstOffset === null ? null : Number(payload.firstOffset),
        lastOffset: Number(payload.lastOffset),
        complete: (handledInBatch.get(payload.partition) ?? 0) === payload.batchSize,
      }),
    );
  });
  // Even a crash kafkajs would recover from ends the tail: the rejoined group would restart from
  // the default position, not where the tail stood, and silently skip or never reach the end.
  consumer.on(consumer.events.CRASH, ({ payload }) => stop(payload.error));

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [options.topic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        handledInBatch.set(partition, (handledInBatch.get(partition) ?? 0) + 1);
        const offset = Number(message.offset);
        if (stopped || !progress.isInRange(partition, offset)) return;
        summary.scanned += 1;
        if (!options.untilEnd) bar?.tick();
        const raw = { topic: options.topic, partition, offset: message.offset, timestamp: message.timestamp, key: message.key, value: message.value, headers: message.headers };
        if (!rejectedByHeaders(options.filter, decodeHeaders(message.headers))) {
          const line = await decoder.decode(raw);
          if (!stopped && matchesFilter(options.filter, line) && options.erased?.(line)) {
            summary.withheld += 1;
          } else if (!stopped && matchesFilter(options.filter, line)) {
            emit(line);
            summary.printed += 1;
            if (options.limit !== undefined && summary.printed >= options.limit) stop('limit');
          }
        }
        advance(progress.readThrough(partition, offset));
      },
    });
    for (const range of options.ranges) consumer.seek({ topic: options.topic, partition: range.partition, offset: String(range.start) });
    const result = await outcome;
    if (result instanceof Error) throw result;
    return { ...summary, stoppedBy: result };
  } catch (error) {
    throw explainKafkaFailure(error, brokers);
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    stopped = true;
    await consumer.disconnect().catch(() => undefined);
  }
}
