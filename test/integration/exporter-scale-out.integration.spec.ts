import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parse as parseYaml, stringify } from 'yaml';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, type TrackingEvent } from '@tracking/contracts';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { startAppProcess, type AppProcess } from '@test/support/app-process';
import { EXPORTER_ON_STACK_S3, TEST_ADMIN_TOKEN, exporterSettings } from '@test/support/in-process-services';
import { groupLag, positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, writeTestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { readTopic, topicPositions, type Positions } from '@test/support/topic-reader';
import { buildEvents, produceEvents } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';

const PREFIX = 'scale';
const DATA_KEY = /^scale\/customer=([a-z0-9_]+)\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/tracking\.events\.v1\+(\d+)\+(\d{10})-(\d{10})\.jsonl$/;
const RECORDS_PER_OBJECT = 20;

/**
 * Forwards to the S3 server and counts, per bucket and key, the PUTs that created or replaced an
 * object (answered 200): a key counted twice was written twice. Refused conditional writes (412) are
 * not writes.
 */
async function countingS3Proxy(target: string): Promise<{ url: string; writes: Map<string, number>; close(): Promise<void> }> {
  const upstream = new URL(target);
  const writes = new Map<string, number>();
  const server: Server = createServer((incoming, outgoing) => {
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        if (incoming.method === 'PUT' && answer.statusCode === 200) {
          const path = decodeURIComponent(new URL(incoming.url ?? '/', 'http://proxy').pathname).slice(1);
          writes.set(path, (writes.get(path) ?? 0) + 1);
        }
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    writes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('exporter instances sharing one group (real Kafka, registry and S3 server)', () => {
  const env = testEnvironment();
  const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  const customersDir = customersDirectory();
  const groupId = `it-exporter-scale-${randomUUID()}`;
  const run = randomBytes(4).toString('hex');
  const backupBucket = `it-scale-backup-${run}`;
  const clientBucket = `it-scale-client-${run}`;
  const running = new Map<string, AppProcess>();
  let proxy: Awaited<ReturnType<typeof countingS3Proxy>>;
  let customerId: string;
  /** A customer with few events: its hourly objects stay open (on purpose) through the flow, holding each partition's commit back. */
  let quietId: string;
  let billingStart: Positions;

  const start = async (name: string) => {
    const settings = exporterSettings(env, groupId, customersDir, { ...EXPORTER_ON_STACK_S3, S3_ENDPOINT: proxy.url, EXPORTER_MAX_RECORDS_PER_OBJECT: String(RECORDS_PER_OBJECT) });
    running.set(name, await startAppProcess('exporter', 'EXPORTER_PORT', settings));
  };
  const stop = async (name: string, signal: 'SIGTERM' | 'SIGKILL') => {
    await running.get(name)?.stop(signal);
    running.delete(name);
  };
  const api = async (name: string, path: string, method = 'GET') => {
    const instance = running.get(name);
    if (!instance) throw new Error(`${name} is not running`);
    const response = await fetch(`${instance.url}/api/v1/export/${path}`, { method, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, signal: AbortSignal.timeout(60_000) });
    return (await response.json()) as Record<string, unknown>;
  };
  const dataObjects = async (bucket: string) => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${PREFIX}/customer=`, ContinuationToken: token }));
      for (const entry of page.Contents ?? []) if (DATA_KEY.test(entry.Key as string)) keys.push(entry.Key as string);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  };
  const idsIn = async (bucket: string, keys: string[]) => {
    const ids: string[] = [];
    for (const key of keys) {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString('utf8');
      ids.push(...(body ?? '').trimEnd().split('\n').map((line) => (JSON.parse(line) as { event_id: string }).event_id));
    }
    return ids.sort();
  };
  /** Events of `sessions` sessions (spread over the partitions), in the previous event hour. */
  let waves = 0;
  const wave = (count: number, sessions: number, customer = customerId): TrackingEvent[] => {
    // Each wave its own times: the same body twice is the same event id (a retry), exported once.
    const offset = (waves += 1) * 10_000;
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    return buildEvents(
      customer,
      Array.from({ length: count }, (_, index) => ({
        event_type: 'custom_event',
        event_name: 'Scaled',
        // Two site domains, seen by every instance (sessions spread over the partitions).
        page_url: `https://${index % 2 ? 'shop' : 'www'}.${customer.replace(/_/g, '-')}.example/p/${index}`,
        session_id: `s-${run}-${index % sessions}`,
        occurred_at: new Date(hour + 60_000 + offset + index).toISOString(),
        event_data: { index, wave: waves },
      })),
    );
  };

  beforeAll(async () => {
    proxy = await countingS3Proxy(env.s3Endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: backupBucket }));
    await s3.send(new CreateBucketCommand({ Bucket: clientBucket }));
    const exporting = () => {
      const id = writeTestCustomer(customersDir).id;
      const file = join(customersDir, id, 'config.yaml');
      const config = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
      config['s3_export'] = {
        client_bucket: clientBucket,
        backup_bucket: backupBucket,
        prefix: PREFIX,
        format: 'jsonl',
        compression: 'none',
        schedule: 'hourly',
        credentials: { access_key: { env: 'IT_S3_ACCESS_KEY' }, secret_key: { env: 'IT_S3_SECRET_KEY' } },
      };
      writeFileSync(file, stringify(config));
      return id;
    };
    customerId = exporting();
    quietId = exporting();
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.exporter);
    billingStart = await topicPositions(env.kafkaBrokers, TOPICS.billingSiteDomains);
  });

  afterAll(async () => {
    for (const name of [...running.keys()]) await stop(name, 'SIGKILL');
    await proxy?.close();
    s3.destroy();
  });

  it('instances join, leave and are killed mid-flow: every event once, no overlapping object, none written twice; run and status answer for all', async () => {
    await start('a');
    await start('b');
    const sent: TrackingEvent[] = [];
    const send = async (count: number) => {
      // First a few of the quiet customer's (their objects open first in each partition), then the busy one's.
      const events = [...wave(12, 12, quietId), ...wave(count, 24)];
      sent.push(...events);
      await produceEvents(env, events);
    };

    await send(300);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await start('c');
    await send(300);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await stop('a', 'SIGTERM');
    await send(300);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await stop('b', 'SIGKILL');
    await start('d');
    await send(300);

    // One run, asked of one instance, flushes the open objects of every instance.
    const ran = await waitFor(
      async () => {
        const answer = await api('c', 'run', 'POST');
        return { answer, lag: await groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents) };
      },
      ({ answer, lag }) => lag === 0 && (answer['instances'] as unknown[]).length === 2,
      { what: 'every instance flushed and the group at lag 0', timeoutMs: 90_000, intervalMs: 1_000 },
    );
    expect((ran.answer['instances'] as Array<{ error: string | null }>).map((instance) => instance.error)).toEqual([null, null]);

    const keys = await dataObjects(clientBucket);
    const rewritten = [...proxy.writes].filter(([path, count]) => path.startsWith(`${clientBucket}/`) && count > 1);
    const ranges = new Map<string, Array<{ first: bigint; last: bigint }>>();
    for (const key of keys) {
      const [, owner, dt, hour, partition, first, last] = DATA_KEY.exec(key) as RegExpExecArray;
      const id = `${owner}/${dt}/${hour}/${partition}`;
      ranges.set(id, [...(ranges.get(id) ?? []), { first: BigInt(first as string), last: BigInt(last as string) }]);
    }
    const overlapping: string[] = [];
    for (const [id, list] of ranges) {
      list.sort((x, y) => (x.first < y.first ? -1 : 1));
      for (let index = 1; index < list.length; index++) if ((list[index] as { first: bigint }).first <= (list[index - 1] as { last: bigint }).last) overlapping.push(id);
    }
    const ids = await idsIn(clientBucket, keys);
    // Every instance proposed the domains it saw; the arbiters published each once.
    await waitFor(() => groupLag(env.kafkaBrokers, `${groupId}.site-domains`, TOPICS.exporterSiteDomainCandidates), (lag) => lag === 0, { what: 'site-domain candidates arbitrated', timeoutMs: 60_000 });
    const billingEnd = await topicPositions(env.kafkaBrokers, TOPICS.billingSiteDomains);
    const published = [...billingEnd].reduce((sum, [partition, end]) => sum + Number(end) - Number(billingStart.get(partition) ?? '0'), 0);
    const billed = (await readTopic<{ customer_id: string; domain: string }>(env, TOPICS.billingSiteDomains, billingStart, (records) => records.length >= published)).filter(
      (record) => record.value.customer_id === customerId,
    );
    const status = await api('d', `status?customer_id=${customerId}`);
    // The books, for the record (the README's "Scaling out" section quotes them).
    console.log(
      JSON.stringify({
        events_sent: sent.length,
        events_in_client_bucket: ids.length,
        distinct_events: new Set(ids).size,
        objects: keys.length,
        objects_written_more_than_once: rewritten.length,
        extra_puts_of_client_objects: rewritten.reduce((sum, [, count]) => sum + count - 1, 0),
        overlapping_partition_hours: overlapping.length,
        billing_records_for_two_domains: billed.length,
        status_instances: (status['instances'] as unknown[]).length,
        status_lag: status['lag'],
      }),
    );

    expect(ids).toEqual(sent.map((event) => event.event_id).sort());
    expect(await idsIn(backupBucket, await dataObjects(backupBucket))).toEqual(ids);
    expect(overlapping).toEqual([]);
    expect(rewritten).toEqual([]);
    const slug = customerId.replace(/_/g, '-');
    expect(billed.map((record) => record.value.domain).sort()).toEqual([`shop.${slug}.example`, `www.${slug}.example`]);

    // Status, asked of one instance, covers both: every partition once, nothing behind, nothing held after the run.
    const instances = status['instances'] as Array<{ partitions: unknown[]; error: string | null }>;
    expect(instances).toHaveLength(2);
    expect(instances.flatMap((instance) => instance.partitions)).toHaveLength(6);
    expect(status['lag']).toEqual({ held: 0, behind: 0 });
    const [books] = status['customers'] as Array<{ customer_id: string; pending_events: number; held_events: number }>;
    expect(books).toMatchObject({ customer_id: customerId, pending_events: 0, held_events: 0 });
  });
});
