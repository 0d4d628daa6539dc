import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { recreateBenchTopic, BENCH_TOPICS } from '../bench-topics';
import type { Measurement } from '../measurement';
import type { BenchRow } from '../results';
import { averageRecordBytes } from './producers';

const run = promisify(execFile);

/** Kafka's own producer perf test, acks=all, with records the size of our Avro events: what the broker can take here. */
export const BROKER: Measurement = {
  name: 'broker',
  async run(context): Promise<BenchRow[]> {
    const records = context.profile.producerRecords;
    const recordSize = await averageRecordBytes(context);
    await recreateBenchTopic(context.admin, BENCH_TOPICS.perfTest);
    context.progress(`kafka-producer-perf-test: ${records.toLocaleString('en-US')} records of ${recordSize} bytes, acks=all`);
    const { stdout } = await run(
      'java',
      [
        '-Xmx512m',
        '-cp',
        context.kafkaClasspath,
        'org.apache.kafka.tools.ProducerPerformance',
        '--topic',
        BENCH_TOPICS.perfTest,
        '--num-records',
        String(records),
        '--record-size',
        String(recordSize),
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${context.connection.kafkaBrokers.join(',')}`,
        'acks=all',
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    // The last summary line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, ..."
    const summary = stdout.split('\n').filter((line) => line.includes('records sent')).pop() ?? '';
    const match = /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\).*?(\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/.exec(summary);
    if (!match) throw new Error(`unexpected perf-test output: ${stdout.slice(-500)}`);
    return [
      {
        what: `broker ceiling (kafka-producer-perf-test, ${recordSize}-byte records, acks=all)`,
        figure: { value: Number(match[1]), unit: 'records/s' },
        target: { kind: 'report' },
        details: { 'MB/s': match[2] ?? '', 'p50 ms': match[3] ?? '', 'p99 ms': match[4] ?? '' },
      },
    ];
  },
};
