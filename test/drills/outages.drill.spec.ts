import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type KafkaMessage } from 'kafkajs';
import { Client } from 'pg';
import { parse as parseYaml, stringify } from 'yaml';
import { TOPICS, type TrackingEvent } from '@tracking/contracts';
import { AvroTopicWriter, ConfluentSchemaRegistryAdapter, KafkaPublisher, TRACKING_EVENTS_TOPIC, customerOfRecord } from '@tracking/kafka';
import { freePort, repositoryRoot } from '@tracking/services';
import { TrackingClient, type FetchLike } from '@sdks/node/index';
import { EmbeddedPostgres } from '@tools/local-stack/embedded-postgres';
import { KafkaBroker } from '@tools/local-stack/kafka-broker';
import { LocalSchemaRegistry } from '@tools/local-stack/local-registry';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { isAlive } from '@tools/local-stack/process-control';
import { Progress } from '@tools/local-stack/progress';
import { provision } from '@tools/local-stack/provisioning';
import { stackPaths, type StackPaths } from '@tools/local-stack/stack-paths';
import { loadStackSettings } from '@tools/local-stack/stack-settings';
import { printBooks, type Books } from '@test/support/drill-books';
import { EXPORTER_ON_STACK_S3, TEST_ADMIN_TOKEN } from '@test/support/in-process-services';
import { startPipeline } from '@test/support/pipeline';
import { migrateAll } from '@test/support/stack-commands';
import { writeTestCustomer } from '@test/support/test-customers';
import { testEnvironment, type TestEnvironment } from '@test/support/test-environment';
import { consumeFrom, readTopic, topicPositions, type Positions } from '@test/support/topic-reader';
import { buildEvents } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';
import { testRegistrySettings } from '@test/support/test-connection';
import { testKafka } from '@test/support/test-kafka';

/**
 * Issue 9's outage drills: break a server while events flow, bring it back, then check the books.
 * The stack is shared with other test runs, so each drill breaks a server of its own (a second
 * broker, a second PostgreSQL, a proxy in front of S3), started with the stack's own classes.
 */

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const run = randomBytes(4).toString('hex');
const quiet = new Progress(true);

/** Teardown steps, run last-registered first, whether the drills passed or not. */
const cleanups: Array<{ what: string; step: () => Promise<unknown> }> = [];
const onCleanup = (what: string, step: () => Promise<unknown>): void => {
  cleanups.push({ what, step });
};

/** A stack directory of the drill's own under .local/ (the postgres user must reach it; /tmp dirs are 0700), reusing the resolved Kafka jars. */
function drillPaths(name: string): StackPaths {
  const dir = join(repositoryRoot(), '.local', 'drills', `outages-${run}`, name);
  const paths = { ...stackPaths(dir), kafkaLibs: stackPaths().kafkaLibs };
  // LocalStack.up() makes these before starting anything; a drill starts the servers one by one.
  for (const made of [paths.logs, paths.run]) mkdirSync(made, { recursive: true });
  return paths;
}

/** A customers directory holding only the drill's customer, so a drill's consumer touches no one else's buckets. */
function drillCustomers(name: string, apiRateLimit = 1_000_000): { dir: string; id: string; token: string } {
  const dir = join(repositoryRoot(), '.local', 'drills', `outages-${run}`, `${name}-customers`);
  mkdirSync(dir, { recursive: true });
  const { id, token } = writeTestCustomer(dir, { apiRateLimit }, `drill_${name}_${randomBytes(4).toString('hex')}`);
  return { dir, id, token };
}

/** Records of a topic between two positions, undecoded, so a dead letter that cannot be decoded is still counted. */
async function recordsBetween(brokers: string[], topic: string, from: Positions, to: Positions): Promise<KafkaMessage[]> {
  const expected = [...to].reduce((sum, [partition, end]) => sum + Number(BigInt(end) - BigInt(from.get(partition) ?? '0')), 0);
  if (expected === 0) return [];
  const records: KafkaMessage[] = [];
  const complete = await consumeFrom(
    brokers,
    topic,
    from,
    (partition, message) => {
      if (BigInt(message.offset) < BigInt(to.get(partition) ?? '0')) records.push(message);
      return records.length >= expected;
    },
    30_000,
  );
  if (!complete) throw new Error(`read ${records.length} of ${expected} records of ${topic}`);
  return records;
}

/** Empties and removes a bucket the drill made on the shared S3 server. */
async function removeBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).flatMap((entry) => (entry.Key ? [{ Key: entry.Key }] : []));
    if (keys.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** Runs a drill's fault phases; if one fails, prints the books so far, saying where it stopped, and rethrows. */
async function phases(drill: string, booksSoFar: () => Books, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    printBooks(drill, { ...booksSoFar(), 'stopped by': (error as Error).message.slice(0, 300) });
    throw error;
  }
}

/** GET with a deadline: the status, or 'timeout' / 'unreachable', never a hang. */
async function probe(url: string, timeoutMs = 5000): Promise<number | 'timeout' | 'unreachable'> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status;
  } catch (error) {
    return (error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable';
  }
}

afterAll(async () => {
  for (const { what, step } of cleanups.reverse()) {
    await step().catch((error: unknown) => process.stderr.write(`drill cleanup "${what}" failed: ${(error as Error).message}\n`));
  }
  rmSync(join(repositoryRoot(), '.local', 'drills', `outages-${run}`), { recursive: true, force: true });
}, 120_000);

describe('fault drills: infrastructure outages', () => {
  const env = testEnvironment();

  describe('Kafka stops and restarts during ingestion', () => {
    /** The gateway's deadline for an acknowledgement; every answer must come within it, plus processing. */
    const ACK_TIMEOUT_MS = 3000;
    /** The clients' request timeout: a request still unanswered by then counts as a hang. */
    const CLIENT_TIMEOUT_MS = ACK_TIMEOUT_MS + 2500;

    type Phase = 'up' | 'graceful stop' | 'graceful restart' | 'SIGKILL' | 'SIGKILL restart' | 'draining';
    interface Exchange {
      via: 'plain' | 'sdk';
      phase: Phase;
      status: number | 'timeout' | 'network';
      body?: Record<string, unknown>;
      eventIds: string[];
    }

    const DRILL = 'Kafka stop and restart during ingestion';

    it('answers 503 within its deadline while the broker is away, and every acknowledged event is on the topic afterwards', async () => {
      const paths = drillPaths('kafka');
      const stackKafka = loadStackSettings({}).kafka;
      const broker = new KafkaBroker(paths, { ...stackKafka, port: await freePort(), controllerPort: await freePort(), heap: '512m' }, quiet);
      onCleanup('drill broker', () => broker.down());
      await broker.up();
      const registry = new LocalSchemaRegistry(paths, { host: '127.0.0.1', port: await freePort(), topic: '_schemas' }, broker.bootstrap, quiet);
      onCleanup('drill registry', () => registry.down());
      await registry.up();
      await provision([broker.bootstrap], registry.url, {});
      const drillEnv: TestEnvironment = { ...env, kafkaBrokers: [broker.bootstrap], schemaRegistryUrl: registry.url };
      // Right after the topics are created their partitions may not have a leader yet.
      const from = await waitFor(() => topicPositions(drillEnv.kafkaBrokers, TOPICS.trackingEvents), () => true, { what: 'partition leaders of the drill broker', timeoutMs: 30_000 });

      const customer = drillCustomers('kafka');
      const { gateway } = await startPipeline({
        name: 'drill-outages-kafka',
        env: drillEnv,
        services: ['gateway'],
        customersDir: customer.dir,
        settings: {
          gateway: { CUSTOMERS_WATCH: 'false', KAFKA_ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS), TRACKING_INGEST_RATE_LIMIT_PER_MINUTE: '1000000', TRACKING_KEY_RATE_LIMIT_PER_MINUTE: '1000000' },
        },
      });
      onCleanup('drill gateway', () => gateway.stop('SIGKILL'));

      let phase: Phase = 'up';
      let stopping = false;
      const exchanges: Exchange[] = [];
      const parse = (text: string): Record<string, unknown> | undefined => {
        try {
          return JSON.parse(text) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      };

      // Clients of the drill's own making: each sends one /track request at a time, with a deadline;
      // several of them, so concurrent requests share (and fail in) one coalesced produce request.
      const plainLoop = async (worker: number): Promise<void> => {
        for (let index = 0; !stopping; index += 1) {
          const eventId = `plain-${run}-${worker}-${index}`;
          const at = phase;
          try {
            const response = await fetch(`${gateway.url}/api/v1/track`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', 'X-Customer-ID': customer.id, Authorization: `Bearer ${customer.token}` },
              body: JSON.stringify({ event_type: 'page_view', event_id: eventId, session_id: `plain-${index % 8}`, page_url: `https://drill.example/p/${index}` }),
              signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
            });
            exchanges.push({ via: 'plain', phase: at, status: response.status, body: parse(await response.text()), eventIds: [eventId] });
          } catch (error) {
            exchanges.push({ via: 'plain', phase: at, status: (error as Error).name === 'TimeoutError' ? 'timeout' : 'network', eventIds: [eventId] });
          }
          await sleep(20);
        }
      };

      // The Node SDK, its retries left to do their job; every exchange it makes is recorded.
      const sdkFetch: FetchLike = async (url, init) => {
        const sent = parse(init.body) ?? {};
        const eventIds = Array.isArray(sent['events']) ? (sent['events'] as Array<{ event_id: string }>).map((event) => event.event_id) : [String(sent['event_id'])];
        const at = phase;
        try {
          const response = await fetch(url, init);
          const text = await response.text();
          exchanges.push({ via: 'sdk', phase: at, status: response.status, body: parse(text), eventIds });
          return { status: response.status, headers: response.headers, text: async () => text };
        } catch (error) {
          // The SDK aborts its request at its timeout; nothing else aborts here (close() is given no deadline).
          exchanges.push({ via: 'sdk', phase: at, status: init.signal.aborted ? 'timeout' : 'network', eventIds });
          throw error;
        }
      };
      const sdkErrors: string[] = [];
      const client = new TrackingClient({
        endpoint: gateway.url,
        customerId: customer.id,
        token: customer.token,
        flushAt: 10,
        flushInterval: 100,
        maxRetries: 60,
        timeoutMs: CLIENT_TIMEOUT_MS,
        retry: { baseDelayMs: 200, maxDelayMs: 1000, maxRetryAfterMs: 1000 },
        onError: (error) => sdkErrors.push(`${error.errorCode}: ${error.message}`),
        fetch: sdkFetch,
      });
      onCleanup('drill SDK client', () => client.close({ timeoutMs: 1000 }));
      const tracked: string[] = [];
      const delivered = new Set<string>();
      const settled: Array<Promise<unknown>> = [];
      const sdkLoop = async (): Promise<void> => {
        for (let index = 0; !stopping; index += 1) {
          const eventId = `sdk-${run}-${index}`;
          tracked.push(eventId);
          settled.push(
            client.track({ event_type: 'custom_event', event_name: 'drill', event_id: eventId, session_id: `sdk-${index % 8}` }).then(
              () => delivered.add(eventId),
              () => undefined,
            ),
          );
          await sleep(25);
        }
      };

      const during = (at: Phase) => exchanges.filter((exchange) => exchange.phase === at);
      const count = (list: Exchange[], via: Exchange['via'], status: Exchange['status']) => list.filter((e) => e.via === via && e.status === status).length;
      const readyz: Partial<Record<Phase, number | string>> = {};

      /** Takes the broker away, waits until both clients were told 503 and readiness failed, then brings it back. */
      const outage = async (down: Phase, restart: Phase, takeAway: () => Promise<void>): Promise<void> => {
        await waitFor(async () => exchanges.filter((e) => e.phase === phase && e.status === 200).length, (ok) => ok >= 5, { what: `2xx before ${down}`, timeoutMs: 30_000 });
        phase = down;
        await takeAway();
        await waitFor(async () => during(down), (list) => count(list, 'plain', 503) >= 2 && count(list, 'sdk', 503) >= 1, { what: `503s during ${down}`, timeoutMs: 60_000 });
        readyz[down] = await waitFor(() => probe(`${gateway.url}/readyz`, CLIENT_TIMEOUT_MS), (status) => status !== 200, { what: `/readyz failing during ${down}`, timeoutMs: 30_000 });
        phase = restart;
        await broker.up();
        readyz[restart] = await waitFor(() => probe(`${gateway.url}/readyz`, CLIENT_TIMEOUT_MS), (status) => status === 200, { what: `/readyz after ${restart}`, timeoutMs: 60_000, intervalMs: 250 });
      };

      const statuses = (): Books => {
        const tally: Books = {};
        for (const e of exchanges) tally[`${e.via} ${e.phase}: ${e.status}`] = Number(tally[`${e.via} ${e.phase}: ${e.status}`] ?? 0) + 1;
        return { ...tally, readyz: JSON.stringify(readyz) };
      };
      const loops = Promise.all([plainLoop(0), plainLoop(1), plainLoop(2), plainLoop(3), sdkLoop()]);
      await phases(DRILL, statuses, async () => {
        try {
          await outage('graceful stop', 'graceful restart', async () => {
            await broker.down();
          });
          await outage('SIGKILL', 'SIGKILL restart', async () => {
            const pid = broker.process.pid();
            if (pid === undefined) throw new Error('the drill broker is not running');
            process.kill(pid, 'SIGKILL');
            await waitFor(async () => isAlive(pid), (alive) => !alive, { what: 'broker killed' });
          });
          await waitFor(async () => exchanges.filter((e) => e.phase === phase && e.status === 200).length, (ok) => ok >= 5, { what: '2xx after the restarts', timeoutMs: 30_000 });
        } finally {
          stopping = true;
          await loops;
        }
      });
      phase = 'draining';
      // No deadline: with the broker back, the SDK's retries must get every event in.
      const summary = await client.close();
      await Promise.all(settled);
      const gatewayExit = await gateway.stop('SIGTERM');

      const to = await topicPositions(drillEnv.kafkaBrokers, TOPICS.trackingEvents);
      const total = [...to].reduce((sum, [partition, end]) => sum + Number(BigInt(end) - BigInt(from.get(partition) ?? '0')), 0);
      const records = await readTopic<TrackingEvent>(drillEnv, TOPICS.trackingEvents, from, (seen) => seen.length >= total, 60_000);
      const onTopic = new Map<string, number>();
      for (const record of records) onTopic.set(record.value.event_id, (onTopic.get(record.value.event_id) ?? 0) + 1);

      const acked = new Set(exchanges.filter((e) => typeof e.status === 'number' && e.status >= 200 && e.status < 300).flatMap((e) => e.eventIds));
      const refused = new Set(exchanges.filter((e) => e.status === 503).flatMap((e) => e.eventIds));
      const missing = [...acked].filter((id) => !onTopic.has(id));
      const ackedIn = (id: string) => exchanges.find((e) => e.status === 200 && e.eventIds.includes(id))?.phase;
      const unavailable = exchanges.filter((e) => e.status === 503);
      const plainSent = exchanges.filter((e) => e.via === 'plain');
      const sdkSent = exchanges.filter((e) => e.via === 'sdk');
      const otherStatuses = exchanges.filter((e) => e.status !== 200 && e.status !== 503).map((e) => `${e.via} ${e.phase}: ${e.status}`);
      printBooks(DRILL, {
        'plain requests': plainSent.length,
        'plain 200': count(plainSent, 'plain', 200),
        'plain 503': count(plainSent, 'plain', 503),
        'plain timeouts': count(plainSent, 'plain', 'timeout'),
        'plain network errors': count(plainSent, 'plain', 'network'),
        'sdk events tracked': tracked.length,
        'sdk events delivered': delivered.size,
        'sdk events failed': summary.failed,
        'sdk requests (attempts)': sdkSent.length,
        'sdk 200': count(sdkSent, 'sdk', 200),
        'sdk 503': count(sdkSent, 'sdk', 503),
        'sdk timeouts': count(sdkSent, 'sdk', 'timeout'),
        'sdk network errors': count(sdkSent, 'sdk', 'network'),
        '503s during graceful stop': during('graceful stop').filter((e) => e.status === 503).length,
        '503s during SIGKILL': during('SIGKILL').filter((e) => e.status === 503).length,
        'other answers': otherStatuses.length,
        'readyz while down (graceful / SIGKILL)': `${readyz['graceful stop']} / ${readyz['SIGKILL']}`,
        'readyz after restart (graceful / SIGKILL)': `${readyz['graceful restart']} / ${readyz['SIGKILL restart']}`,
        'gateway exit code on SIGTERM': String(gatewayExit),
        'events acknowledged (2xx)': acked.size,
        'records on topic': records.length,
        'distinct event ids on topic': onTopic.size,
        'duplicate records on topic': records.length - onTopic.size,
        // At-least-once: a request cut off by the deadline may still land; the client's resend is then a second copy.
        'answered 503, never acknowledged, yet on topic': [...refused].filter((id) => !acked.has(id) && onTopic.has(id)).length,
        'acknowledged, missing from topic': missing.length,
        'phases the missing were acknowledged in': [...new Set(missing.map(ackedIn))].join(', ') || '-',
        'records expected from end offsets': total,
      });

      expect(gatewayExit).toBe(0);
      expect(otherStatuses).toEqual([]);
      for (const answer of unavailable) {
        expect(answer.body).toMatchObject({ success: false, error_code: 'SERVICE_UNAVAILABLE', customer_id: customer.id, audit_logged: expect.any(Boolean), timestamp: expect.any(String) });
      }
      expect(readyz).toEqual({ 'graceful stop': 503, 'graceful restart': 200, SIGKILL: 503, 'SIGKILL restart': 200 });
      expect(sdkErrors).toEqual([]);
      expect(summary.failed).toBe(0);
      expect(delivered.size).toBe(tracked.length);
      expect(missing).toEqual([]);
      expect(tracked.filter((id) => !onTopic.has(id))).toEqual([]);
    }, 240_000);
  });

  describe('PostgreSQL restarts during loading', () => {
    it('the loader rides out a fast and a crash restart by itself: one raw row per event, nothing dead-lettered', async () => {
      const paths = drillPaths('postgres');
      const databaseUrl = `postgres://postgres:postgres@127.0.0.1:${await freePort()}/tracking`;
      const postgres = new EmbeddedPostgres(paths, new URL(databaseUrl), quiet);
      onCleanup('drill postgres', () => postgres.down());
      await postgres.up();
      await migrateAll(databaseUrl);

      const customerId = `drill_pg_${randomBytes(4).toString('hex')}`;
      const deadLettersFrom = await topicPositions(env.kafkaBrokers, TOPICS.vaultLoaderDeadLetter);
      const { 'vault-loader': loader } = await startPipeline({ name: 'drill-outages-postgres', env: { ...env, databaseUrl }, services: ['vault-loader'] });
      onCleanup('drill vault-loader', () => loader.stop('SIGKILL'));

      const raw = async (): Promise<{ rows: number; ids: number }> => {
        const db = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
        await db.connect();
        try {
          const { rows } = await db.query<{ rows: number; ids: number }>(
            'SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS ids FROM raw.site_tracking_events_r WHERE customer_id = $1',
            [customerId],
          );
          return rows[0];
        } finally {
          await db.end().catch(() => undefined);
        }
      };

      // Events keep arriving the whole time, so the loader is mid-load when the database goes.
      const kafka = testKafka(env.kafkaBrokers, 'drill-producer');
      const publisher = new KafkaPublisher(kafka);
      await publisher.connect();
      onCleanup('drill producer', () => publisher.disconnect());
      const writer = await AvroTopicWriter.create(new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl)), TRACKING_EVENTS_TOPIC);
      const produced: string[] = [];
      let producing = true;
      const producer = (async () => {
        for (let chunk = 0; producing || produced.length < 2000; chunk += 1) {
          const events = buildEvents(
            customerId,
            Array.from({ length: 25 }, (_, index) => ({
              event_type: 'page_view',
              event_id: `pg-${run}-${chunk}-${index}`,
              session_id: `s-${(chunk * 25 + index) % 24}`,
              page_url: `https://drill.example/p/${index}`,
            })),
          );
          await publisher.send(TOPICS.trackingEvents, events.map((event) => writer.toMessage(event)));
          produced.push(...events.map((event) => event.event_id));
          await sleep(100);
        }
      })();

      const loaderReady: Record<string, number | string> = {};
      let lastSeen = { rows: 0, ids: 0 };
      const watched = async (): Promise<{ rows: number; ids: number }> => {
        lastSeen = await raw();
        return lastSeen;
      };
      const soFar = (): Books => ({ 'events produced (acked by Kafka)': produced.length, 'raw rows seen last': lastSeen.rows, ...loaderReady });
      /** Seconds from the database being back to the loader loading again: printed, never asserted. */
      const resumedAfter: Record<string, string> = {};
      const restart = async (name: string, stop: () => Promise<void>): Promise<void> => {
        const before = (await waitFor(watched, (books) => books.rows > 0, { what: `rows loaded before the ${name}`, timeoutMs: 30_000 })).rows;
        await stop();
        loaderReady[`${name}: down`] = await waitFor(() => probe(`${loader.url}/readyz`), (status) => status !== 200, { what: `loader not ready during the ${name}`, timeoutMs: 30_000 });
        // Long enough down that the loader fails batches against it, not merely one probe.
        await sleep(1500);
        await postgres.up();
        const back = Date.now();
        await waitFor(watched, (books) => books.rows > before, { what: `loading resumed after the ${name}`, timeoutMs: 60_000 });
        resumedAfter[name] = ((Date.now() - back) / 1000).toFixed(1);
        loaderReady[`${name}: back`] = await waitFor(() => probe(`${loader.url}/readyz`), (status) => status === 200, { what: `loader ready after the ${name}`, timeoutMs: 30_000 });
      };

      await phases('PostgreSQL restart during loading', soFar, async () => {
        try {
          await restart('fast stop', async () => {
            await postgres.down();
          });
          await restart('crash', async () => {
            // SIGQUIT is PostgreSQL's immediate shutdown: no checkpoint, crash recovery at the next start.
            const pid = postgres.pid();
            if (pid === undefined) throw new Error('the drill PostgreSQL is not running');
            process.kill(pid, 'SIGQUIT');
            await waitFor(async () => isAlive(pid), (alive) => !alive, { what: 'postgres gone' });
          });
        } finally {
          producing = false;
          await producer;
        }
      });

      const loaded = await waitFor(raw, (books) => books.rows >= produced.length, { what: 'every event loaded', timeoutMs: 90_000 }).catch(() => raw());
      const alive = await probe(`${loader.url}/livez`);
      const deadLettersTo = await topicPositions(env.kafkaBrokers, TOPICS.vaultLoaderDeadLetter);
      const deadLetters = (await recordsBetween(env.kafkaBrokers, TOPICS.vaultLoaderDeadLetter, deadLettersFrom, deadLettersTo)).filter(
        (message) => customerOfRecord({ headers: message.headers ?? {}, key: message.key }) === customerId,
      );
      const metrics = await fetch(`${loader.url}/metrics`).then((response) => response.text(), () => '');
      printBooks('PostgreSQL restart during loading', {
        'events produced (acked by Kafka)': produced.length,
        'raw rows loaded': loaded.rows,
        'distinct event ids loaded': loaded.ids,
        'duplicate raw rows': loaded.rows - loaded.ids,
        'missing from the vault': produced.length - loaded.ids,
        'dead-lettered (this customer)': deadLetters.length,
        'loader readiness (fast stop down / back)': `${loaderReady['fast stop: down']} / ${loaderReady['fast stop: back']}`,
        'loader readiness (crash down / back)': `${loaderReady['crash: down']} / ${loaderReady['crash: back']}`,
        'loader /livez at the end (same process)': alive,
        'loader dead-letter counter': /^vault_loader_records_dead_lettered_total(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? 'n/a',
        'seconds to resume loading (fast stop / crash)': `${resumedAfter['fast stop']} / ${resumedAfter['crash']}`,
      });

      expect(alive).toBe(200);
      expect(loaderReady).toEqual({ 'fast stop: down': 503, 'fast stop: back': 200, 'crash: down': 503, 'crash: back': 200 });
      expect(loaded).toEqual({ rows: produced.length, ids: produced.length });
      expect(deadLetters).toHaveLength(0);
    }, 180_000);
  });

  describe('S3 fails for a while during export', () => {
    const PREFIX = 'exports/drill';
    const RECORDS_PER_OBJECT = 40;

    it('an outage of refused connections, then 503s, delays the export; afterwards every event is in exactly one object', async () => {
      const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
      onCleanup('drill S3 client', async () => s3.destroy());
      const proxy = await FlakyS3Proxy.start(env.s3Endpoint);
      onCleanup('drill S3 proxy', () => proxy.close());

      const customer = drillCustomers('s3');
      // Data objects only: the backup bucket also holds the exporter's manifests and metering records.
      const DATA_PREFIX = `${PREFIX}/customer=${customer.id}/`;
      const bucket = `drill-client-${run}`;
      const backupBucket = `drill-backup-${run}`;
      for (const name of [bucket, backupBucket]) {
        await s3.send(new CreateBucketCommand({ Bucket: name }));
        onCleanup(`drill bucket ${name}`, () => removeBucket(s3, name));
      }
      const file = join(customer.dir, customer.id, 'config.yaml');
      const config = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
      config['s3_export'] = {
        client_bucket: bucket,
        backup_bucket: backupBucket,
        prefix: PREFIX,
        format: 'jsonl',
        compression: 'none',
        schedule: 'daily',
        credentials: { access_key: { env: 'IT_S3_ACCESS_KEY' }, secret_key: { env: 'IT_S3_SECRET_KEY' } },
      };
      writeFileSync(file, stringify(config));

      const { exporter } = await startPipeline({
        name: 'drill-outages-s3',
        services: ['exporter'],
        customersDir: customer.dir,
        // Through the failing proxy, not the stack's S3 server.
        settings: { exporter: { ...EXPORTER_ON_STACK_S3, S3_ENDPOINT: proxy.url, EXPORTER_MAX_RECORDS_PER_OBJECT: String(RECORDS_PER_OBJECT) } },
      });
      onCleanup('drill exporter', () => exporter.stop('SIGKILL'));

      type Status = { state: string; events_written: number; objects_written: number; pending_events: number; failing_since: string | null; last_error: { message: string } | null };
      const api = async (path: string, method = 'GET'): Promise<Record<string, unknown>> => {
        const response = await fetch(`${exporter.url}/api/v1/export/${path}`, { method, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, signal: AbortSignal.timeout(30_000) });
        return (await response.json()) as Record<string, unknown>;
      };
      const status = async (): Promise<Status> => ((await api(`status?customer_id=${customer.id}`))['customers'] as Status[])[0];
      const exported = async (target: string): Promise<string[]> => {
        const ids: string[] = [];
        let token: string | undefined;
        do {
          const page = await s3.send(new ListObjectsV2Command({ Bucket: target, Prefix: DATA_PREFIX, ContinuationToken: token }));
          for (const entry of page.Contents ?? []) {
            const object = await s3.send(new GetObjectCommand({ Bucket: target, Key: entry.Key }));
            const body = await (object.Body as { transformToString(): Promise<string> }).transformToString();
            ids.push(...body.trimEnd().split('\n').map((line) => (JSON.parse(line) as { event_id: string }).event_id));
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return ids;
      };
      const objectCount = async (target: string): Promise<number> => (await s3.send(new ListObjectsV2Command({ Bucket: target, Prefix: DATA_PREFIX }))).KeyCount ?? 0;

      // Waves of events, acknowledged by Kafka; four sessions of 60 each, so objects close by count in each wave.
      const acked: string[] = [];
      const wave = async (name: string): Promise<void> => {
        const events = buildEvents(
          customer.id,
          Array.from({ length: 240 }, (_, index) => ({
            event_type: 'page_view',
            event_id: `s3-${run}-${name}-${index}`,
            session_id: `${name}-${index % 4}`,
            page_url: `https://drill.example/${name}/${index}`,
          })),
        );
        const kafka = testKafka(env.kafkaBrokers, 'drill-producer');
        const publisher = new KafkaPublisher(kafka);
        await publisher.connect();
        try {
          const writer = await AvroTopicWriter.create(new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl)), TRACKING_EVENTS_TOPIC);
          await publisher.send(TOPICS.trackingEvents, events.map((event) => writer.toMessage(event)));
        } finally {
          await publisher.disconnect();
        }
        acked.push(...events.map((event) => event.event_id));
      };

      let failing: Status | undefined;
      let stillFailing: Status | undefined;
      let recovered: Status | undefined;
      const soFar = (): Books => ({ 'events acked by Kafka': acked.length, 'proxy: requests forwarded': proxy.forwarded, 'proxy: answered 503': proxy.unavailableAnswers });
      await phases('S3 failing for a while during export', soFar, async () => {
        await wave('before');
        await waitFor(status, (books) => books.objects_written > 0, { what: 'objects written before the outage', timeoutMs: 30_000 });

        await proxy.refuse();
        await wave('refused');
        failing = await waitFor(status, (books) => books.state === 'failing', { what: 'the exporter noticing refused connections', timeoutMs: 30_000 });

        await proxy.answerUnavailable();
        await wave('unavailable');
        await waitFor(async () => proxy.unavailableAnswers, (answers) => answers >= 3, { what: 'requests answered 503', timeoutMs: 30_000 });
        stillFailing = await status();

        proxy.heal();
        await wave('after');
        recovered = await waitFor(status, (books) => books.state === 'exporting', { what: 'the exporter recovering', timeoutMs: 30_000 });
      });
      await waitFor(
        async () => {
          await api('run', 'POST');
          return exported(bucket);
        },
        (ids) => ids.length >= acked.length,
        { what: 'every event exported', timeoutMs: 60_000, intervalMs: 500 },
      ).catch(() => undefined);
      await api('run', 'POST');
      const [clientIds, backupIds, final] = await Promise.all([exported(bucket), exported(backupBucket), status()]);
      const objects = await objectCount(bucket);

      const twice = (ids: string[]) => ids.length - new Set(ids).size;
      printBooks('S3 failing for a while during export', {
        'events acked by Kafka': acked.length,
        'exported to the client bucket': clientIds.length,
        'distinct in the client bucket': new Set(clientIds).size,
        'in more than one object (client)': twice(clientIds),
        'acked, not exported (client)': acked.filter((id) => !clientIds.includes(id)).length,
        'exported to the backup bucket': backupIds.length,
        'in more than one object (backup)': twice(backupIds),
        'objects in the client bucket': objects,
        'proxy: requests forwarded': proxy.forwarded,
        'proxy: answered 503': proxy.unavailableAnswers,
        'status while refused': `${failing?.state}: ${failing?.last_error?.message ?? '-'}`,
        'status while 503': `${stillFailing?.state}: ${stillFailing?.last_error?.message ?? '-'}`,
        'status after recovery': `${recovered?.state}, events_written ${final.events_written}, pending ${final.pending_events}`,
      });

      expect(failing?.last_error?.message).toBeTruthy();
      expect(stillFailing?.state).toBe('failing');
      expect(final).toMatchObject({ state: 'exporting', failing_since: null, pending_events: 0, events_written: acked.length });
      expect([...clientIds].sort()).toStrictEqual([...acked].sort());
      expect([...backupIds].sort()).toStrictEqual([...acked].sort());
    }, 180_000);
  });
});

/**
 * A reverse proxy in front of the stack's S3 server that can fail on command: refuse connections
 * (it stops listening), answer every request 503 (S3's own ServiceUnavailable), or forward.
 */
class FlakyS3Proxy {
  forwarded = 0;
  unavailableAnswers = 0;
  private mode: 'forward' | 'unavailable' = 'forward';
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly port: number,
    private readonly target: URL,
  ) {}

  static async start(target: string): Promise<FlakyS3Proxy> {
    const proxy = new FlakyS3Proxy(await freePort(), new URL(target));
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connections are refused: the port has no listener, and open keep-alive connections are cut. */
  async refuse(): Promise<void> {
    await this.close();
  }

  /** Listening again, but every request is answered 503 SlowDown-style, as S3 does under trouble. */
  async answerUnavailable(): Promise<void> {
    this.mode = 'unavailable';
    if (!this.server) await this.listen();
  }

  heal(): void {
    this.mode = 'forward';
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    const server = createServer((request, response) => this.handle(request, response));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    if (this.mode === 'unavailable') {
      this.unavailableAnswers += 1;
      request.resume();
      response.writeHead(503, { 'Content-Type': 'application/xml' });
      response.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>fault drill: S3 unavailable</Message></Error>');
      return;
    }
    this.forwarded += 1;
    const upstream = httpRequest(
      { host: this.target.hostname, port: this.target.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => response.destroy(error));
    request.pipe(upstream);
  }
}
