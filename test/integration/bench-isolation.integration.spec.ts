import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { Client } from 'pg';
import { TOPICS } from '@tracking/contracts';
import { repositoryRoot } from '@tracking/services';
import { benchStackSettings } from '@tools/bench/bench-stack';
import { BENCH_CUSTOMER } from '@tools/bench/bench-customer';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { portOpen } from '@tools/local-stack/process-control';
import { stackPaths } from '@tools/local-stack/stack-paths';
import { consumeFrom, topicPositions, type Positions } from '@test/support/topic-reader';
import { testKafka } from '@test/support/test-kafka';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

/**
 * `npm run bench` beside a live stack (issue 19): it writes to a stack of its own, and Ctrl-C still
 * removes that stack. A quick gateway-bulk run is interrupted once its gateway has written events
 * (the bench's database, topics and records exist by then); nothing of it may reach the shared
 * stack, and nothing of its own stack may be left. Its directory and ports are not those of a real
 * bench run (BENCH_STACK_DIR, BENCH_PORT_OFFSET), which this test would otherwise stop.
 */
describe('the bench beside a live stack', () => {
  const root = repositoryRoot();
  const stackDir = stackPaths(process.env['STACK_DIR']).stackDir;
  const benchEnv = { ...process.env, BENCH_STACK_DIR: join(stackDir, 'bench-stack-isolation-test'), BENCH_PORT_OFFSET: '11000' };
  const settings = benchStackSettings(benchEnv);

  const databases = async (url: string): Promise<string[]> => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((row) => row.datname);
    } finally {
      await client.end();
    }
  };
  const topicNames = async (brokers: string[]): Promise<string[]> => {
    const admin = testKafka(brokers, 'bench-isolation-test').admin();
    await admin.connect();
    try {
      return await admin.listTopics();
    } finally {
      await admin.disconnect();
    }
  };
  const buckets = async (endpoint: string): Promise<string[]> => {
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
    try {
      return ((await client.send(new ListBucketsCommand({}))).Buckets ?? []).map((bucket) => bucket.Name ?? '');
    } finally {
      client.destroy();
    }
  };
  const total = (positions: Positions): bigint => [...positions.values()].reduce((sum, offset) => sum + BigInt(offset), 0n);
  const notIn = (before: readonly string[]) => (name: string) => !before.includes(name);

  it('writes only to its own stack, and an interrupted run removes that stack', async () => {
    const shared = testEnvironment();
    const benchBrokers = [`${settings.kafka.host}:${settings.kafka.port}`];
    const before = {
      events: await topicPositions(shared.kafkaBrokers, TOPICS.trackingEvents),
      topics: await topicNames(shared.kafkaBrokers),
      databases: await databases(shared.databaseUrl),
      buckets: await buckets(shared.s3Endpoint),
    };

    const log = join(stackDir, 'logs', 'bench-isolation-test.log');
    const out = openSync(log, 'w');
    // Its own process group, as a terminal's foreground job: Ctrl-C reaches the bench and its children.
    const bench = spawn(process.execPath, [join(root, 'dist/tools/bench/src/main.js'), '--quick', '--only', 'gateway-bulk'], {
      env: benchEnv,
      detached: true,
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    const exited = new Promise<number | null>((resolve) => bench.once('exit', (code) => resolve(code)));
    try {
      // The gateway accepts events only once the bench's database is migrated and its topics provisioned.
      // Its load has begun only after the bench removed whatever an earlier run left on its ports.
      const loading = (): boolean => readFileSync(log, 'utf8').includes('bench: gateway bulk:');
      await waitFor(
        async () => (bench.exitCode === null && loading() ? total(await topicPositions(benchBrokers, TOPICS.trackingEvents)).toString() : '0'),
        (written) => BigInt(written) > 0n || bench.exitCode !== null,
        { timeoutMs: 360_000, intervalMs: 2_000, what: `the bench's gateway writing to its own ${TOPICS.trackingEvents} (log: ${log})` },
      );
      expect({ exitCode: bench.exitCode, log: bench.exitCode === null ? '' : readFileSync(log, 'utf8').slice(-2000) }).toEqual({ exitCode: null, log: '' });
      const benchDatabaseUrl = new URL(settings.embeddedDatabaseUrl);
      expect(await databases(benchDatabaseUrl.toString())).toEqual(expect.arrayContaining(['tracking_bench']));
    } finally {
      if (bench.exitCode === null && bench.pid) process.kill(-bench.pid, 'SIGINT');
    }
    expect(await exited).toBe(130);

    // Nothing of the bench's stack is left: no server, no directory.
    expect(existsSync(settings.stackDir!)).toBe(false);
    const ports = [settings.kafka.port, settings.kafka.controllerPort, settings.registry.port, settings.redis.port, settings.s3.port, Number(new URL(settings.embeddedDatabaseUrl).port)];
    expect(await Promise.all(ports.map(async (port) => ({ port, open: await portOpen('127.0.0.1', port) })))).toEqual(ports.map((port) => ({ port, open: false })));

    // Nothing of it on the shared stack: no topic, database or bucket of the bench, no event of its customer.
    expect((await topicNames(shared.kafkaBrokers)).filter(notIn(before.topics)).filter((name) => name.startsWith('bench'))).toEqual([]);
    expect((await databases(shared.databaseUrl)).filter(notIn(before.databases)).filter((name) => name.includes('bench'))).toEqual([]);
    expect((await buckets(shared.s3Endpoint)).filter(notIn(before.buckets))).toEqual([]);
    const after = await topicPositions(shared.kafkaBrokers, TOPICS.trackingEvents);
    // Other specs may write to the shared topic meanwhile: what arrived is read, none of it may be the bench's.
    const arrived: string[] = [];
    const pending = new Set([...after].filter(([partition, end]) => BigInt(end) > BigInt(before.events.get(partition) ?? '0')).map(([partition]) => partition));
    if (pending.size > 0) {
      const readAll = await consumeFrom(
        shared.kafkaBrokers,
        TOPICS.trackingEvents,
        before.events,
        (partition, message) => {
          arrived.push(message.key?.toString() ?? '');
          if (BigInt(message.offset) + 1n >= BigInt(after.get(partition) ?? '0')) pending.delete(partition);
          return pending.size === 0;
        },
        30_000,
      );
      expect(readAll).toBe(true);
    }
    expect(arrived.filter((key) => key.startsWith(`${BENCH_CUSTOMER}:`))).toEqual([]);
  }, 480_000);
});
