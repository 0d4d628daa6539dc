import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Admin } from 'kafkajs';
import { CONSUMER_GROUPS, CONSUMER_SUBSCRIPTIONS, TOPICS, TOPIC_DECLARATIONS, valueSubject, type TrackingEvent } from '@tracking/contracts';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { ErasurePublisher, subjectHash } from '@tracking/privacy';
import { repositoryRoot } from '@tracking/services';
import { RegistryRestClient } from '@tools/cli/inspect/registry-rest.client';
import type { TailLine } from '@tools/cli/inspect/record-decoder';
import { runCli } from '@test/support/cli';
import { freePort } from '@test/support/free-port';
import { testEnvironment } from '@test/support/test-environment';
import { buildEvents, produceEvents } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';
import { testRegistrySettings } from '@test/support/test-connection';
import { testKafka } from '@test/support/test-kafka';

const jsonLines = (stdout: string): TailLine[] =>
  stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TailLine);

type TailedEvent = Omit<TrackingEvent, 'event_data'> & { event_data: Record<string, unknown> };

describe('tracking CLI: topics, lag, tail, schemas (real Kafka and registry)', () => {
  const env = testEnvironment();
  const cli = (...args: string[]) => runCli(env, args);
  const json = async <T>(...args: string[]): Promise<T> => {
    const run = await cli('--json', ...args);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(run.stdout) as T;
  };

  describe('tail', () => {
    const customer = `it_cli_${randomBytes(5).toString('hex')}`;
    let from: string;
    let produced: TrackingEvent[];

    beforeAll(async () => {
      // Record timestamps are the events' received_at; the broker's time index finds the first at or after this.
      from = new Date(Date.now() - 1000).toISOString();
      produced = buildEvents(customer, [
        { event_type: 'page_view', page_url: 'https://cli.example/a', session_id: 's-a', event_data: { plan: 'pro' } },
        { event_type: 'search', event_name: 'Search', session_id: 's-b', event_data: { query: 'massage' } },
        { event_type: 'page_view', page_url: 'https://cli.example/b', session_id: 's-c' },
      ]);
      const someoneElse = buildEvents(`it_cli_other_${randomBytes(4).toString('hex')}`, [{ event_type: 'page_view', page_url: 'https://other.example/' }]);
      await produceEvents(env, [...produced, ...someoneElse]);
    });

    it("prints exactly the customer's decoded events since --from, then exits at the end", async () => {
      const run = await cli('tail', TOPICS.trackingEvents, '--customer', customer, '--from', from, '--until-end', '--json');
      expect(run.code).toBe(0);
      const lines = jsonLines(run.stdout);
      expect(lines.map((line) => (line.value as TailedEvent).event_id).sort()).toEqual(produced.map((event) => event.event_id).sort());

      for (const event of produced) {
        const line = lines.find((candidate) => (candidate.value as TailedEvent).event_id === event.event_id)!;
        expect(line).toMatchObject({
          topic: TOPICS.trackingEvents,
          encoding: 'avro',
          schemaId: expect.any(Number),
          partition: expect.any(Number),
          offset: expect.any(Number),
          timestamp: new Date(event.received_at).toISOString(),
          key: `${customer}:${event.session_id}`,
          headers: expect.objectContaining({ ce_id: event.event_id, ce_source: `/customers/${customer}` }),
        });
        expect(line.value).toMatchObject({
          customer_id: customer,
          event_type: event.event_type,
          page_url: event.page_url,
          session_id: event.session_id,
          occurred_at: event.occurred_at,
          event_data: JSON.parse(event.event_data) as Record<string, unknown>,
        });
      }
      expect(run.stderr).toMatch(/3 record\(s\) printed .*reached the end offsets/);
    });

    it('keeps only the --type asked for, and stops at --limit', async () => {
      const pageViews = await cli('tail', TOPICS.trackingEvents, '--customer', customer, '--type', 'page_view', '--from', from, '--until-end');
      expect(pageViews.code).toBe(0);
      const ids = jsonLines(pageViews.stdout).map((line) => (line.value as TailedEvent).event_id);
      expect(ids.sort()).toEqual(produced.filter((event) => event.event_type === 'page_view').map((event) => event.event_id).sort());

      const limited = await cli('tail', TOPICS.trackingEvents, '--customer', customer, '--from', from, '--until-end', '--limit', '1');
      expect(limited.code).toBe(0);
      expect(jsonLines(limited.stdout)).toHaveLength(1);
    });

    it("withholds an erased subject's records (privacy.erasures.v1, issue 20) and counts them", async () => {
      const erasedCustomer = `it_cli_erased_${randomBytes(4).toString('hex')}`;
      const since = new Date(Date.now() - 1000).toISOString();
      const events = buildEvents(erasedCustomer, [
        { event_type: 'page_view', page_url: 'https://cli.example/kept', session_id: 's-k', visitor_id: 'kept-visitor' },
        { event_type: 'page_view', page_url: 'https://cli.example/gone', session_id: 's-g', visitor_id: 'erased-visitor' },
        { event_type: 'identity', session_id: 's-g2', visitor_id: 'other-device', user_id: 'erased-user' },
      ]);
      await produceEvents(env, events);
      const publisher = new ErasurePublisher(testKafka(env.kafkaBrokers, 'it-cli-erasure'), new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl)));
      try {
        await publisher.publish({
          request_id: randomUUID(),
          customer_id: erasedCustomer,
          requested_at: Date.now(),
          requested_by: 'integration-test',
          visitor_hks: [subjectHash(erasedCustomer, 'erased-visitor')],
          user_hks: [subjectHash(erasedCustomer, 'erased-user')],
        });
      } finally {
        await publisher.disconnect();
      }

      const run = await cli('tail', TOPICS.trackingEvents, '--customer', erasedCustomer, '--from', since, '--until-end', '--json');
      expect(run.code).toBe(0);
      expect(jsonLines(run.stdout).map((line) => (line.value as TailedEvent).visitor_id)).toEqual(['kept-visitor']);
      for (const id of ['erased-visitor', 'erased-user', 'other-device']) expect(run.stdout).not.toContain(id);
      expect(run.stderr).toMatch(/1 record\(s\) printed of \d+ read \(2 withheld: erased subjects\)/);
    });

    it('refuses an unknown topic with exit code 1 and the list of topics', async () => {
      const run = await cli('tail', 'no.such.topic.v1', '--until-end');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('topic no.such.topic.v1 does not exist');
      expect(run.stderr).toContain(TOPICS.trackingEvents);
    });

    describe('on a topic without a value schema', () => {
      const created: string[] = [];
      let admin: Admin;
      let child: ChildProcessWithoutNullStreams | undefined;
      const kafka = testKafka(env.kafkaBrokers, 'it-cli-tail');
      const newTopic = async (partitions: number) => {
        const topic = `it.cli-tail.${randomUUID()}`;
        created.push(topic);
        await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
        return topic;
      };
      const produce = async (topic: string, values: string[]) => {
        const producer = kafka.producer();
        await producer.connect();
        await producer.send({ topic, messages: values.map((value) => ({ key: 'k', value })) });
        await producer.disconnect();
      };

      beforeAll(async () => {
        admin = kafka.admin();
        await admin.connect();
      });

      afterAll(async () => {
        child?.kill('SIGKILL');
        await admin.deleteTopics({ topics: created }).catch(() => undefined);
        await admin.disconnect();
      });

      it('follows new records, shown as text, until Ctrl-C', async () => {
        const topic = await newTopic(2);
        await produce(topic, ['first', 'second']);
        const running = spawn(
          process.execPath,
          [join(repositoryRoot(), 'dist', 'tools', 'cli', 'src', 'main.js'), '--brokers', env.kafkaBrokers.join(','), '--registry', env.schemaRegistryUrl, 'tail', topic, '--from', 'beginning'],
          { cwd: repositoryRoot(), env: { PATH: process.env['PATH'] }, stdio: ['pipe', 'pipe', 'pipe'] },
        );
        child = running;
        let stdout = '';
        let stderr = '';
        running.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        running.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        const exited = new Promise<number | null>((resolve) => running.on('close', resolve));
        const values = async () => jsonLines(stdout).map((line) => line.value);

        await waitFor(values, (seen) => seen.length === 2, { what: 'the two records already there', timeoutMs: 30_000 });
        await produce(topic, ['third']);
        await waitFor(values, (seen) => seen.includes('third'), { what: 'the record produced while following', timeoutMs: 30_000 });
        expect(jsonLines(stdout).every((line) => line.encoding === 'utf8' && line.key === 'k')).toBe(true);

        running.kill('SIGINT');
        expect(await exited).toBe(0);
        expect(stderr).toMatch(/3 record\(s\) printed of 3 read; interrupted/);
      });

      it('ends with --until-end even when the last offset is a transaction marker the consumer never delivers', async () => {
        const topic = await newTopic(1);
        const producer = kafka.producer({ transactionalId: `it-cli-tail-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        try {
          const transaction = await producer.transaction();
          await transaction.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
          await transaction.commit();
        } finally {
          await producer.disconnect();
        }
        const run = await cli('tail', topic, '--until-end');
        expect(run.code).toBe(0);
        expect(jsonLines(run.stdout).map((line) => line.value)).toEqual(['a', 'b']);
      });
    });
  });

  describe('topics', () => {
    it('describe lists every declared topic with its declared partitions and no mismatch', async () => {
      const { topics } = await json<{ topics: Array<{ topic: string; partitions: number; declaration: { partitions: number } | null; mismatches: string[]; sizeBytes: null }> }>('topics', 'describe');
      for (const declaration of TOPIC_DECLARATIONS) {
        const described = topics.find((topic) => topic.topic === declaration.name);
        expect(described).toMatchObject({ partitions: declaration.partitions, declaration: { partitions: declaration.partitions }, mismatches: [], sizeBytes: null });
      }
    });

    it('describe of one topic shows its offsets and value schema', async () => {
      const { topics } = await json<{ topics: Array<{ topic: string; records: number; partitionOffsets: Array<{ high: number }>; valueSchema: { subject: string; latestId: number } }> }>(
        'topics',
        'describe',
        TOPICS.trackingEvents,
      );
      expect(topics).toHaveLength(1);
      expect(topics[0].valueSchema).toMatchObject({ subject: valueSubject(TOPICS.trackingEvents), latestId: expect.any(Number) });
      expect(topics[0].records).toBeGreaterThan(0);
    });

    it('describe shows replicas, ISR and leader of each partition, none under-replicated or offline on the one-broker stack', async () => {
      const { topics } = await json<{
        topics: Array<{
          replicationFactor: number;
          minInsyncReplicas: number;
          underReplicatedPartitions: number[];
          offlinePartitions: number[];
          partitionOffsets: Array<{ leader: number; replicaNodes: number[]; inSyncNodes: number[]; underReplicated: boolean; offline: boolean }>;
        }>;
      }>('topics', 'describe', TOPICS.trackingAudit);
      expect(topics[0]).toMatchObject({ replicationFactor: 1, minInsyncReplicas: 1, underReplicatedPartitions: [], offlinePartitions: [] });
      for (const partition of topics[0]!.partitionOffsets) {
        expect(partition).toMatchObject({ leader: 1, replicaNodes: [1], inSyncNodes: [1], underReplicated: false, offline: false });
      }
      const text = await cli('topics', 'describe', TOPICS.trackingAudit);
      expect(text.stdout).toMatch(/min\.insync\.replicas 1/);
      expect(text.stdout).toMatch(/partition +leader +replicas +isr +low +high +records +state/);
      expect(text.stdout).not.toMatch(/UNDER-REPLICATED|OFFLINE/);
    });

    it('ensure is idempotent: run again, every topic is unchanged', async () => {
      await json('topics', 'ensure');
      const { topics } = await json<{ topics: Array<{ topic: string; action: string }> }>('topics', 'ensure');
      expect(topics.map((topic) => topic.topic).sort()).toEqual(TOPIC_DECLARATIONS.map((declaration) => declaration.name).sort());
      expect(topics.every((topic) => topic.action === 'unchanged')).toBe(true);
    });
  });

  describe('lag', () => {
    it('reports the three service groups with a row per subscribed partition', async () => {
      const report = await json<{ groups: Array<{ group: string; topics: string[]; partitions: Array<{ topic: string; lag: number }>; lag: number; state: string; members: number }>; totalLag: number }>('lag');
      expect(report.groups.map((group) => group.group)).toEqual(Object.values(CONSUMER_GROUPS));
      for (const [service, group] of Object.entries(CONSUMER_GROUPS) as Array<[keyof typeof CONSUMER_GROUPS, string]>) {
        const reported = report.groups.find((candidate) => candidate.group === group)!;
        expect(reported.topics).toEqual(CONSUMER_SUBSCRIPTIONS[service]);
        const expectedRows = CONSUMER_SUBSCRIPTIONS[service].reduce((sum, topic) => sum + TOPIC_DECLARATIONS.find((d) => d.name === topic)!.partitions, 0);
        expect(reported.partitions).toHaveLength(expectedRows);
        expect(reported.lag).toBe(reported.partitions.reduce((sum, partition) => sum + partition.lag, 0));
      }
      expect(report.totalLag).toBe(report.groups.reduce((sum, group) => sum + group.lag, 0));
    });
  });

  describe('schemas', () => {
    it('check accepts schemas/avro as it is (exit code 0)', async () => {
      const run = await cli('schemas', 'check');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('all schema files would be accepted');
    });

    it('list includes the tracking events subject with its file', async () => {
      const { subjects } = await json<{ subjects: Array<{ subject: string; file: string | null; versions: unknown[] }> }>('schemas', 'list');
      expect(subjects).toContainEqual(expect.objectContaining({ subject: 'tracking.events.v1-value', file: 'tracking-event.v1.avsc', versions: expect.arrayContaining([expect.anything()]) }));
    });

    it('diff finds no field differences for a registered, unchanged schema', async () => {
      const { subjects } = await json<{ subjects: Array<{ status: string; changes: unknown[] }> }>('schemas', 'diff', TOPICS.trackingEvents);
      expect(subjects).toEqual([expect.objectContaining({ status: 'identical', changes: [] })]);
    });
  });

  describe(RegistryRestClient.name, () => {
    const sut = new RegistryRestClient(testRegistrySettings(env.schemaRegistryUrl));
    const subject = `it.cli-inspect.${randomUUID()}-value`;
    const v1 = { type: 'record', name: 'Thing', fields: [{ name: 'id', type: 'string' }] };

    afterAll(async () => {
      for (const permanent of ['false', 'true']) await fetch(new URL(`/subjects/${subject}?permanent=${permanent}`, env.schemaRegistryUrl), { method: 'DELETE' });
    });

    it("gives the registry's verdict and reasons for a next version (what `schemas check` relies on)", async () => {
      const registered = await fetch(new URL(`/subjects/${subject}/versions`, env.schemaRegistryUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ schema: JSON.stringify(v1) }),
      });
      expect(registered.status).toBe(200);

      const withDefault = { ...v1, fields: [...v1.fields, { name: 'tier', type: 'string', default: 'free' }] };
      const withoutDefault = { ...v1, fields: [...v1.fields, { name: 'tier', type: 'string' }] };
      expect(await sut.checkCompatibility(subject, JSON.stringify(withDefault))).toEqual({ isCompatible: true, messages: [] });
      const refused = await sut.checkCompatibility(subject, JSON.stringify(withoutDefault));
      expect(refused.isCompatible).toBe(false);
      expect(refused.messages.join(' ')).toMatch(/tier/);
      expect(await sut.compatibilityLevel(subject)).toBe('BACKWARD');
      expect(await sut.versions(`${subject}-missing`)).toBeUndefined();
    });
  });

  describe('when a server is unreachable', () => {
    it('says to start the stack or check --brokers', async () => {
      const run = await runCli(env, ['--brokers', `127.0.0.1:${await freePort()}`, 'lag']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/cannot reach Kafka at 127\.0\.0\.1:\d+/);
      expect(run.stderr).toMatch(/npm run stack:up.*--brokers/);
    });

    it('says to start the stack or check --registry', async () => {
      const run = await runCli(env, ['--registry', `http://127.0.0.1:${await freePort()}`, 'schemas', 'list']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/cannot reach the schema registry/);
      expect(run.stderr).toMatch(/npm run stack:up.*--registry/);
    });
  });
});
