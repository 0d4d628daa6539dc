import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml, stringify } from 'yaml';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, type TrackingEvent } from '@tracking/contracts';
import { parseCustomerTexts } from '@tracking/customers';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { startAppProcess, type AppProcess } from '@test/support/app-process';
import { listObjects as listBucket, objectRecords, type StoredObject } from '@test/support/export-objects';
import { EXPORTER_ON_STACK_S3, TEST_ADMIN_TOKEN, exporterSettings } from '@test/support/in-process-services';
import { groupLag, positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, writeTestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { readTopic, topicPositions, type Positions } from '@test/support/topic-reader';
import { buildEvents, produceEvents } from '@test/support/vault-fixtures';
import { pipelineEvents, writeRecordsBeforeSiteId } from '@test/support/schema-evolution';
import { testRegistrySettings } from '@test/support/test-connection';
import { waitFor } from '@test/support/wait-for';

const PREFIX = 'exports/raw';
const OBJECT_KEY = /^exports\/raw\/customer=([a-z0-9_]+)\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/tracking\.events\.v1\+(\d+)\+(\d{10})-(\d{10})\.(jsonl\.gz|csv|parquet|avro|jsonl)$/;
const RECORDS_PER_OBJECT = 25;

/** The event ids in an object. */
async function eventIds(key: string, body: Buffer): Promise<string[]> {
  return (await objectRecords(key, body)).map((row) => String(row['event_id']));
}

describe('exporter (real Kafka, registry and S3 server)', () => {
  const env = testEnvironment();
  const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  const customersDir = customersDirectory();
  const groupId = `it-exporter-${randomUUID()}`;
  const run = randomBytes(4).toString('hex');
  const backupBucket = `it-backup-${run}`;
  const bucketOf = (customerId: string) => `it-${customerId.replace(/_/g, '-')}-${run}`.slice(0, 63);
  let start: Map<string, Map<number, string>>;
  let billingStart: Positions;
  let exporter: AppProcess | undefined;

  const settings = exporterSettings(env, groupId, customersDir, { ...EXPORTER_ON_STACK_S3, EXPORTER_MAX_RECORDS_PER_OBJECT: String(RECORDS_PER_OBJECT) });

  /** A test customer exporting to a bucket of its own (created unless told not to) and the shared backup bucket. */
  const exportingCustomer = async (
    format: string,
    options: { compression?: string; createBucket?: boolean; maxOpenSeconds?: number; s3Export?: Record<string, unknown>; config?: (customerId: string) => Record<string, unknown> } = {},
  ) => {
    const { id } = writeTestCustomer(customersDir);
    const file = join(customersDir, id, 'config.yaml');
    const config = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
    config['s3_export'] = {
      client_bucket: bucketOf(id),
      backup_bucket: backupBucket,
      prefix: PREFIX,
      format,
      compression: options.compression ?? 'none',
      schedule: 'daily',
      ...(options.maxOpenSeconds ? { max_open_seconds: options.maxOpenSeconds } : {}),
      credentials: { access_key: { env: 'IT_S3_ACCESS_KEY' }, secret_key: { env: 'IT_S3_SECRET_KEY' } },
      ...options.s3Export,
    };
    Object.assign(config, options.config?.(id));
    writeFileSync(file, stringify(config));
    if (options.createBucket !== false) await s3.send(new CreateBucketCommand({ Bucket: bucketOf(id) }));
    return id;
  };

  const api = async (path: string, method = 'GET') => {
    if (!exporter) throw new Error('the exporter is not running');
    const response = await fetch(`${exporter.url}/api/v1/export/${path}`, { method, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  type CustomerStatus = { customer_id: string; state: string; events_written: number; objects_written: number; pending_events: number; last_error: { message: string } | null; problems?: string[] };
  const statusOf = async (customerId: string) => (await api(`status?customer_id=${customerId}`)).body['customers'] as CustomerStatus[];
  const startExporter = async () => {
    exporter = await startAppProcess('exporter', 'EXPORTER_PORT', settings);
  };

  const listObjects = (bucket: string, prefix = `${PREFIX}/`): Promise<StoredObject[]> => listBucket(s3, bucket, prefix);
  const exportedIds = async (customerId: string): Promise<string[]> => {
    const ids: string[] = [];
    for (const object of await listObjects(bucketOf(customerId))) ids.push(...(await eventIds(object.key, object.body)));
    return ids.sort();
  };
  /** Events of one session (one partition), `count` of them, spread over two event hours. */
  const events = (customerId: string, count: number, session = `s-${randomUUID()}`): TrackingEvent[] => {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    return buildEvents(
      customerId,
      Array.from({ length: count }, (_, index) => ({
        event_type: index % 3 === 0 ? 'page_view' : 'custom_event',
        event_name: index % 3 === 0 ? 'Page' : 'Clicked, "quoted", =1+1',
        page_url: `https://${index % 2 ? 'shop' : 'www'}.${customerId.replace(/_/g, '-')}.example/p/${index}`,
        session_id: session,
        occurred_at: new Date(hour + (index < count / 2 ? 60_000 : 3_660_000) + index).toISOString(),
        event_data: { index, nested: { ok: true, text: 'naïve ✓\nsecond line' } },
      })),
    );
  };
  const idsOf = (list: TrackingEvent[]) => list.map((event) => event.event_id).sort();
  const hostOf = (customerId: string, name: string) => `${name}.${customerId.replace(/_/g, '-')}.example`;
  /** Two declared sites; any other host of the customer is discovered as a site of its own. */
  const twoSites = (customerId: string) => ({
    sites: [
      { id: 'shop', name: 'The shop', domains: [hostOf(customerId, 'shop')] },
      { id: 'blog', domains: [hostOf(customerId, 'blog')] },
    ],
  });
  /** Per object of a split customer: its site folder and the rows read back. */
  const siteFolders = async (customerId: string) => {
    const folders = new Map<string, Array<Record<string, unknown>>>();
    for (const object of await listObjects(bucketOf(customerId))) {
      const folder = /\/site=([^/]+)\//.exec(object.key)?.[1] as string;
      folders.set(folder, [...(folders.get(folder) ?? []), ...(await objectRecords(object.key, object.body))]);
    }
    return folders;
  };
  const caughtUp = () => waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'exporter group caught up', timeoutMs: 60_000 });

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: backupBucket }));
    start = await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.exporter);
    billingStart = await topicPositions(env.kafkaBrokers, TOPICS.billingSiteDomains);
  });

  afterAll(async () => {
    await exporter?.stop();
    s3.destroy();
  });

  const sent = new Map<string, TrackingEvent[]>();
  /** The customers of the site and filter tests, whose objects the last test deletes and has written again. */
  const rewritten: string[] = [];
  let formats: Record<string, string> = {};

  it('writes each customer under its own prefix in its bucket and the backup bucket, in each format, read back by independent readers', async () => {
    formats = {
      [await exportingCustomer('json', { compression: 'gzip' })]: 'jsonl.gz',
      [await exportingCustomer('csv')]: 'csv',
      [await exportingCustomer('parquet')]: 'parquet',
      [await exportingCustomer('avro')]: 'avro',
    };
    await startExporter();
    for (const customerId of Object.keys(formats)) sent.set(customerId, [...events(customerId, 30), ...events(customerId, 30)]);
    await produceEvents(env, [...sent.values()].flat());

    // Objects close at 25 records per partition and hour; the rest stay open (the schedule is daily) until POST /export/run.
    for (const customerId of Object.keys(formats)) {
      await waitFor(() => statusOf(customerId), ([status]) => (status?.pending_events ?? 0) + (status?.events_written ?? 0) === 60, { what: `${customerId}'s events consumed` });
    }
    const flushed = await api('run', 'POST');
    expect(flushed.status).toBe(200);
    await caughtUp();

    const backup = await listObjects(backupBucket);
    for (const [customerId, extension] of Object.entries(formats)) {
      const objects = await listObjects(bucketOf(customerId));
      for (const object of objects) {
        const [, owner, , , , first, last, ext] = OBJECT_KEY.exec(object.key) ?? [];
        expect({ key: object.key, owner, ext }).toEqual({ key: object.key, owner: customerId, ext: extension });
        expect(BigInt(last as string)).toBeGreaterThanOrEqual(BigInt(first as string));
        expect(backup.find((copy) => copy.key === object.key)?.etag).toBe(object.etag);
      }
      expect(await exportedIds(customerId)).toEqual(idsOf(sent.get(customerId) ?? []));
      expect(new Set(objects.map((object) => OBJECT_KEY.exec(object.key)?.slice(2, 4).join(' '))).size).toBe(2);
      const [status] = await statusOf(customerId);
      expect(status).toMatchObject({ state: 'exporting', events_written: 60, pending_events: 0, last_error: null });
    }

    // Seed 004 metering: per object, events per site domain, in the backup bucket.
    const [customerId] = Object.keys(formats);
    const metering = (await listObjects(backupBucket, `${PREFIX}/_metering/customer=${customerId}/`)).map((object) => JSON.parse(object.body.toString('utf8')) as { records: number; site_domains: Record<string, number> });
    expect(metering.reduce((sum, record) => sum + record.records, 0)).toBe(60);
    const domains = new Set(metering.flatMap((record) => Object.keys(record.site_domains)));
    const expected = [`shop.${customerId.replace(/_/g, '-')}.example`, `www.${customerId.replace(/_/g, '-')}.example`];
    expect([...domains].sort()).toEqual(expected);

    // Each domain seen for the first time is one billing event on the compacted topic.
    const billing = await readTopic<{ customer_id: string; domain: string }>(env, TOPICS.billingSiteDomains, billingStart, (records) =>
      records.filter((record) => record.value.customer_id === customerId).length >= 2,
    );
    const mine = billing.filter((record) => record.value.customer_id === customerId);
    expect(mine.map((record) => record.value.domain).sort()).toEqual(expected);
    expect(mine.map((record) => record.key).sort()).toEqual(expected.map((domain) => `${customerId}|${domain}`));
  });

  it("with split_by_site, puts each site's records in its own folder, carries site_id in every format (derived for records older than the field), and meters per site", async () => {
    const split = { s3Export: { split_by_site: true }, config: twoSites };
    const splitFormats = {
      [await exportingCustomer('json', { ...split, compression: 'gzip' })]: 'jsonl.gz',
      [await exportingCustomer('csv', split)]: 'csv',
      [await exportingCustomer('parquet', split)]: 'parquet',
      [await exportingCustomer('avro', split)]: 'avro',
    };
    await exporter?.stop();
    await startExporter();
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    /** Per customer: its events and the site each must be exported under (null: none). */
    const expectations = Object.keys(splitFormats).map((customerId) => {
      // shop and blog are declared, news is discovered (its host is its id), a server event has no page; promo's record names its site itself.
      const pages: Array<[url: string | null, site: string | null]> = [
        [`https://${hostOf(customerId, 'shop')}/cart`, 'shop'],
        [`https://${hostOf(customerId, 'blog')}/post`, 'blog'],
        [`https://${hostOf(customerId, 'news')}/today`, hostOf(customerId, 'news')],
        [null, null],
      ];
      const session = `s-${randomUUID()}`;
      const bodies = Array.from({ length: 18 }, (_, index) => {
        const [url] = pages[index % pages.length] as [string | null, string | null];
        return { event_type: url ? 'page_view' : 'custom_event', event_name: url ? 'Page' : 'server_side', session_id: session, occurred_at: new Date(hour + 60_000 + index).toISOString(), event_data: { index }, ...(url ? { page_url: url } : {}) };
      });
      const built = buildEvents(customerId, [...bodies, { event_type: 'page_view', page_url: `https://${hostOf(customerId, 'promo')}/`, session_id: session, occurred_at: new Date(hour + 60_100).toISOString() }]);
      // Records written before site_id existed carry null: the export derives what the gateway now writes. The last one carries its own.
      const list = built.map((event, index) => ({ ...event, site_id: index === bodies.length ? 'blog' : null }));
      const siteOf = new Map(list.map((event, index) => [event.event_id, index === bodies.length ? 'blog' : (pages[index % pages.length] as [string | null, string | null])[1]]));
      return { customerId, list, siteOf };
    });
    await produceEvents(env, expectations.flatMap(({ list }) => list));
    await waitFor(
      async () => {
        await api('run', 'POST');
        return Promise.all(expectations.map(({ customerId }) => exportedIds(customerId)));
      },
      (all) => all.every((ids, index) => ids.length >= (expectations[index]?.list.length ?? 0)),
      { what: 'the split exports written' },
    );
    await caughtUp();

    const backup = await listObjects(backupBucket);
    const folders = (customerId: string) => ['_none', 'blog', hostOf(customerId, 'news'), 'shop'].sort();
    for (const { customerId, list, siteOf } of expectations) {
      const key = new RegExp(`^exports/raw/customer=${customerId}/site=([^/]+)/dt=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/tracking\\.events\\.v1\\+\\d+\\+\\d{10}-\\d{10}\\.${splitFormats[customerId]?.replace('.', '\\.')}$`);
      const idsBySite = new Map<string, string[]>();
      for (const object of await listObjects(bucketOf(customerId))) {
        const [, folder] = key.exec(object.key) ?? [];
        expect({ key: object.key, folder: folder !== undefined }).toEqual({ key: object.key, folder: true });
        // Every row of a site's folder is of that site, and says so in its site_id column (CSV writes null as an empty field).
        for (const row of await objectRecords(object.key, object.body)) {
          const id = String(row['event_id']);
          expect({ id, site_id: row['site_id'] === '' ? null : row['site_id'] }).toEqual({ id, site_id: folder === '_none' ? null : folder });
          expect(siteOf.get(id) ?? '_none').toBe(folder);
          idsBySite.set(folder as string, [...(idsBySite.get(folder as string) ?? []), id]);
        }
        expect(backup.find((copy) => copy.key === object.key)?.etag).toBe(object.etag);
      }
      expect([...idsBySite.keys()].sort()).toEqual(folders(customerId));
      expect([...idsBySite.values()].flat().sort()).toEqual(idsOf(list));

      // Metering per object, under the same site folder, counts per site.
      const metering = (await listObjects(backupBucket, `${PREFIX}/_metering/customer=${customerId}/`)).map((object) => ({
        folder: /\/site=([^/]+)\//.exec(object.key)?.[1],
        record: JSON.parse(object.body.toString('utf8')) as { records: number; sites: Record<string, number> },
      }));
      for (const { folder, record } of metering) expect(record.sites).toEqual({ [folder as string]: record.records });
      expect(metering.reduce((sum, { record }) => sum + record.records, 0)).toBe(list.length);
      const [status] = await statusOf(customerId);
      expect(status).toMatchObject({ state: 'exporting', events_written: list.length, pending_events: 0, sites: ['blog', hostOf(customerId, 'news'), 'shop'] });
    }

    // Billing: each domain once, naming its site; a site is counted once however many domains it has.
    const [first] = expectations;
    const customerId = first?.customerId as string;
    const billing = await readTopic<{ customer_id: string; domain: string; site_id: string | null }>(env, TOPICS.billingSiteDomains, billingStart, (records) =>
      records.filter((record) => record.value.customer_id === customerId).length >= 4,
    );
    const siteOfDomain = Object.fromEntries(billing.filter((record) => record.value.customer_id === customerId).map((record) => [record.value.domain, record.value.site_id]));
    expect(siteOfDomain).toEqual({
      [hostOf(customerId, 'shop')]: 'shop',
      [hostOf(customerId, 'blog')]: 'blog',
      [hostOf(customerId, 'news')]: hostOf(customerId, 'news'),
      [hostOf(customerId, 'promo')]: 'blog',
    });
    for (const { customerId: id, list } of expectations) sent.set(id, list);
    rewritten.push(...Object.keys(splitFormats));
  });

  it('records from before site_id (old schema) go to the site folder the gateway now writes into the same events, which are then skipped as duplicates', async () => {
    const customerId = await exportingCustomer('jsonl', { s3Export: { split_by_site: true }, config: twoSites });
    await exporter?.stop();
    await startExporter();
    const customer = parseCustomerTexts(customerId, { config_yaml: readFileSync(join(customersDir, customerId, 'config.yaml'), 'utf8'), features_yaml: null, automations_yaml: null });
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const session = `s-${randomUUID()}`;
    const pages = [`https://www.${hostOf(customerId, 'shop')}/`, `https://${hostOf(customerId, 'blog')}/a`, `https://${hostOf(customerId, 'news')}/b`, null];
    const now = pipelineEvents(
      customer,
      Array.from({ length: 8 }, (_, index) => {
        const url = pages[index % pages.length];
        return { event_type: url ? 'page_view' : 'custom_event', session_id: session, occurred_at: new Date(hour + 120_000 + index).toISOString(), ...(url ? { page_url: url } : { event_name: 'server_side' }) };
      }),
      { receivedAt: Date.now() },
    );
    expect(now.slice(0, 4).map((event) => event.site_id)).toEqual(['shop', 'blog', hostOf(customerId, 'news'), null]);
    // The same events twice: first as a gateway from before the change wrote them (schema version 1, no site_id), then as one writes them now.
    await writeRecordsBeforeSiteId({ brokers: env.kafkaBrokers, registry: new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl)), topic: TOPICS.trackingEvents, events: now });
    await produceEvents(env, now);
    await waitFor(
      async () => {
        await api('run', 'POST');
        return statusOf(customerId);
      },
      ([status]) => status?.events_written === now.length && status.pending_events === 0,
      { what: 'the old records exported' },
    );
    await caughtUp();
    // Each event once: had the site derived for an old record differed from the one written now, the new record would have gone to another folder too.
    expect(await exportedIds(customerId)).toEqual(idsOf(now));
    const folders = await siteFolders(customerId);
    for (const [folder, rows] of folders) {
      expect(rows.map((row) => [row['event_id'], row['site_id']])).toEqual(
        now.filter((event) => (event.site_id ?? '_none') === folder).map((event) => [event.event_id, event.site_id]),
      );
    }
    expect([...folders.keys()].sort()).toEqual(['_none', 'blog', hostOf(customerId, 'news'), 'shop'].sort());
    sent.set(customerId, now);
    rewritten.push(customerId);
  });

  it('reports a customer whose export configuration is broken, names the fields, and keeps exporting the others', async () => {
    await exporter?.stop();
    const { id } = writeTestCustomer(customersDir);
    const file = join(customersDir, id, 'config.yaml');
    const config = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
    config['s3_export'] = { format: 'xml', credentials: { access_key: 'AKIAPLAINTEXT', secret_key: { env: 'IT_UNSET_VARIABLE' } } };
    writeFileSync(file, stringify(config));
    await startExporter();

    const [status] = await statusOf(id);
    expect(status?.state).toBe('misconfigured');
    const problems = (status?.problems ?? []).join('\n');
    expect(problems).toContain('s3_export.client_bucket is required');
    expect(problems).toContain('s3_export.format must be one of');
    expect(problems).toContain('s3_export.credentials.access_key must be a reference');
    expect(problems).toContain('IT_UNSET_VARIABLE');
    const config_ = await api(`config`);
    expect(JSON.stringify(config_.body)).not.toContain(LOCAL_S3_CREDENTIALS.secretAccessKey);
    expect(JSON.stringify(config_.body)).toContain('env:IT_S3_SECRET_KEY');
  });

  it('delays only the customer whose bucket fails, and catches it up once the bucket is back', async () => {
    const failing = await exportingCustomer('jsonl', { createBucket: false });
    const healthy = await exportingCustomer('jsonl');
    await exporter?.stop();
    await startExporter();
    // The backup bucket exists: its copies are written, then the client's copy fails. The healthy
    // customer's sessions spread over the partitions, so its objects straddle the failing one's records.
    const failingEvents = [...events(failing, 10), ...events(failing, 10)];
    const healthyEvents = [1, 2, 3, 4, 5].flatMap(() => events(healthy, 4));
    await produceEvents(env, [...failingEvents, ...healthyEvents]);

    await waitFor(() => statusOf(failing), ([status]) => status?.pending_events === 20, { what: `${failing}'s events consumed` });
    await waitFor(
      async () => {
        await api('run', 'POST');
        return statusOf(healthy);
      },
      ([status]) => status?.events_written === 20,
      { what: `${healthy} exported while ${failing} fails` },
    );
    await waitFor(() => statusOf(failing), ([status]) => status?.state === 'failing', { what: `${failing} reported failing` });
    const [failed] = await statusOf(failing);
    expect(failed?.last_error?.message).toMatch(/NoSuchBucket|does not exist|bucket/i);
    expect(failed?.events_written).toBe(0);

    await s3.send(new CreateBucketCommand({ Bucket: bucketOf(failing) }));
    await waitFor(() => statusOf(failing), ([status]) => status?.state === 'exporting', { what: `${failing} recovered` });
    await waitFor(
      async () => {
        await api('run', 'POST');
        return exportedIds(failing);
      },
      (ids) => ids.length >= 20,
      { what: `${failing}'s events after recovery` },
    );
    expect(await exportedIds(failing)).toEqual(idsOf(failingEvents));
    expect(await exportedIds(healthy)).toEqual(idsOf(healthyEvents));
    // Copies written to the backup before the failure were cut again the same way: no second, overlapping object.
    const clientKeys = (await listObjects(bucketOf(failing))).map((object) => object.key).sort();
    expect((await listObjects(backupBucket, `${PREFIX}/customer=${failing}/`)).map((object) => object.key).sort()).toEqual(clientKeys);
    sent.set(failing, failingEvents).set(healthy, healthyEvents);
  });

  it('after SIGKILL mid-object and a restart, the same objects hold every event once', async () => {
    const customerId = await exportingCustomer('parquet');
    await exporter?.stop();
    await startExporter();
    const list = events(customerId, 60);
    await produceEvents(env, list);
    // 30 records per event hour: one object of 25 closes by count in each, 5 wait open when the process dies.
    await waitFor(() => listObjects(bucketOf(customerId)), (objects) => objects.length === 2, { what: 'the objects closed by count' });
    const before = await listObjects(bucketOf(customerId));
    await exporter?.stop('SIGKILL');

    await startExporter();
    await waitFor(
      async () => {
        await api('run', 'POST');
        return listObjects(bucketOf(customerId));
      },
      (objects) => objects.length >= 4,
      { what: 'the open object written after the restart' },
    );
    const after = await listObjects(bucketOf(customerId));
    expect(after).toHaveLength(4);
    for (const object of before) expect(after.find((candidate) => candidate.key === object.key)?.etag).toBe(object.etag);
    expect(await exportedIds(customerId)).toEqual(idsOf(list));
    sent.set(customerId, list);
  });

  it('closes objects of a quiet partition after the customer\'s schedule, with no flush', async () => {
    const customerId = await exportingCustomer('csv', { maxOpenSeconds: 1 });
    await exporter?.stop();
    await startExporter();
    const list = events(customerId, 10);
    await produceEvents(env, list);
    await waitFor(() => exportedIds(customerId), (ids) => ids.length === 10, { what: 'objects closed by the schedule' });
    expect(await exportedIds(customerId)).toEqual(idsOf(list));
    sent.set(customerId, list);
  });

  it('exports only the event types of include_event_types, with only the columns of fields, the same in both buckets', async () => {
    // In the schema's order, which the files keep whatever order the configuration lists them in.
    const fields = ['event_id', 'event_type', 'page_url', 'occurred_at'];
    const csvCustomer = await exportingCustomer('csv', { s3Export: { include_event_types: ['page_view'], fields: [...fields].reverse() } });
    const avroCustomer = await exportingCustomer('avro', { s3Export: { fields } });
    await exporter?.stop();
    await startExporter();
    const csvEvents = events(csvCustomer, 30);
    const avroEvents = events(avroCustomer, 12);
    await produceEvents(env, [...csvEvents, ...avroEvents]);
    const pageViews = csvEvents.filter((event) => event.event_type === 'page_view');
    await waitFor(
      async () => {
        await api('run', 'POST');
        return [await exportedIds(csvCustomer), await exportedIds(avroCustomer)];
      },
      ([csvIds, avroIds]) => csvIds.length >= pageViews.length && avroIds.length >= avroEvents.length,
      { what: 'the filtered exports written' },
    );
    await caughtUp();
    expect(await exportedIds(csvCustomer)).toEqual(idsOf(pageViews));
    expect(await exportedIds(avroCustomer)).toEqual(idsOf(avroEvents));

    const byId = new Map([...csvEvents, ...avroEvents].map((event) => [event.event_id, event]));
    const expectedRow = (id: string) => {
      const event = byId.get(id) as TrackingEvent;
      return { event_id: id, event_type: event.event_type, occurred_at: new Date(event.occurred_at).toISOString(), page_url: event.page_url };
    };
    for (const object of await listObjects(bucketOf(csvCustomer))) {
      const rows = parseCsv(object.body, { columns: true }) as Array<Record<string, string>>;
      expect(Object.keys(rows[0] ?? {})).toEqual(fields);
      for (const row of rows) expect(row).toEqual(expectedRow(row['event_id'] as string));
    }
    for (const object of await listObjects(bucketOf(avroCustomer))) {
      for (const row of await objectRecords(object.key, object.body)) {
        expect(Object.keys(row)).toEqual(fields);
        expect({ ...row, occurred_at: new Date(row['occurred_at'] as number).toISOString() }).toEqual(expectedRow(row['event_id'] as string));
      }
    }
    // The backup holds what the client got, byte for byte (see the README's export section).
    const backup = await listObjects(backupBucket);
    for (const customerId of [csvCustomer, avroCustomer]) {
      const [status] = await statusOf(customerId);
      expect(status).toMatchObject({ state: 'exporting', pending_events: 0, last_error: null });
      for (const object of await listObjects(bucketOf(customerId))) expect(backup.find((copy) => copy.key === object.key)?.etag).toBe(object.etag);
    }
    expect((await statusOf(csvCustomer))[0]?.events_written).toBe(pageViews.length);
    const { body: effective } = await api(`config?customer_id=${csvCustomer}`);
    expect((effective['customers'] as Array<Record<string, unknown>>)[0]).toMatchObject({ split_by_site: false, include_event_types: ['page_view'], fields });
    sent.set(csvCustomer, pageViews).set(avroCustomer, avroEvents);
    rewritten.push(csvCustomer, avroCustomer);
  });

  it('a reset group replaying everything finds every object complete: it writes none again and adds none', async () => {
    await caughtUp();
    const snapshot = async () => {
      const entries: string[] = [];
      for (const customerId of sent.keys()) for (const object of await listObjects(bucketOf(customerId))) entries.push(`${object.key} ${object.etag}`);
      for (const object of await listObjects(backupBucket, '')) entries.push(`backup ${object.key} ${object.etag}`);
      return entries.sort();
    };
    const before = await snapshot();
    const billingBefore = await topicPositions(env.kafkaBrokers, TOPICS.billingSiteDomains);
    await exporter?.stop();
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.exporter, start);
    await startExporter();
    // Lag 0 means every record was read and committed: each one found inside a complete object.
    await caughtUp();
    for (const customerId of sent.keys()) expect((await statusOf(customerId))[0]).toMatchObject({ objects_written: 0, events_written: 0, pending_events: 0 });
    expect(await snapshot()).toEqual(before);
    // Known domains are read back from the topic at start: the replay bills nothing again.
    expect(await topicPositions(env.kafkaBrokers, TOPICS.billingSiteDomains)).toEqual(billingBefore);
  });

  it('a replay after the site-split and filtered objects, their manifests and metering records are deleted writes them again byte for byte', async () => {
    await caughtUp();
    // Kept: the claims, the record of where each object ended (its last offset) whatever closed it (here POST /export/run).
    const places = (customerId: string) => [
      { bucket: bucketOf(customerId), prefix: `${PREFIX}/customer=${customerId}/` },
      { bucket: backupBucket, prefix: `${PREFIX}/customer=${customerId}/` },
      { bucket: backupBucket, prefix: `${PREFIX}/_metering/customer=${customerId}/` },
      { bucket: backupBucket, prefix: `${PREFIX}/_manifests/customer=${customerId}/` },
    ];
    const snapshot = async () => {
      const entries: string[] = [];
      for (const customerId of rewritten) for (const { bucket, prefix } of places(customerId)) for (const object of await listObjects(bucket, prefix)) entries.push(`${bucket} ${object.key} ${object.etag}`);
      return entries.sort();
    };
    const before = await snapshot();
    expect(before.filter((entry) => entry.includes('/site=')).length).toBeGreaterThan(0);
    await exporter?.stop();
    for (const customerId of rewritten) {
      for (const { bucket, prefix } of places(customerId)) {
        const keys = (await listObjects(bucket, prefix)).map((object) => ({ Key: object.key }));
        if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
      }
    }
    expect(await snapshot()).toEqual([]);

    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.exporter, start);
    await startExporter();
    const after = await waitFor(
      async () => {
        await api('run', 'POST');
        return snapshot();
      },
      (entries) => entries.length >= before.length,
      { what: 'the deleted objects written again', timeoutMs: 90_000 },
    );
    await caughtUp();
    expect(after).toEqual(before);
    expect(await snapshot()).toEqual(before);
  });
});
