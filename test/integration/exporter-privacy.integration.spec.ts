import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, type ErasureReport, type TrackingEvent } from '@tracking/contracts';
import { ErasurePublisher, subjectHash } from '@tracking/privacy';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { startAppProcess, type AppProcess } from '@test/support/app-process';
import { isEventObject, listObjects as listBucket, objectRecords, searchableText, type StoredObject } from '@test/support/export-objects';
import { EXPORTER_ON_STACK_S3, TEST_ADMIN_TOKEN, exporterSettings } from '@test/support/in-process-services';
import { groupLag, positionGroup } from '@test/support/kafka-inspection';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { testRegistrySettings } from '@test/support/test-connection';
import { customersDirectory, writeTestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';
import { readTopic, topicPositions } from '@test/support/topic-reader';
import { buildEvents, produceEvents } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';

const PREFIX = 'exports/privacy';
const RECORDS_PER_OBJECT = 8;
/** Every format the exporter writes, compressed where the format allows it. */
const FORMATS: Array<{ format: string; compression: string }> = [
  { format: 'json', compression: 'none' },
  { format: 'json', compression: 'gzip' },
  { format: 'csv', compression: 'none' },
  { format: 'csv', compression: 'gzip' },
  { format: 'parquet', compression: 'none' },
  { format: 'avro', compression: 'none' },
];

describe('exporter erasure and access (issue 20; real Kafka, registry and S3 server)', () => {
  const env = testEnvironment();
  const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  const customersDir = customersDirectory();
  const groupId = `it-exporter-privacy-${randomUUID()}`;
  const run = randomBytes(4).toString('hex');
  const backupBucket = `it-privacy-backup-${run}`;
  const bucketOf = (customerId: string) => `it-${customerId.replace(/_/g, '-')}-${run}`.slice(0, 63);
  let start: Map<string, Map<number, string>>;
  let exporter: AppProcess | undefined;
  const settings = exporterSettings(env, groupId, customersDir, { ...EXPORTER_ON_STACK_S3, EXPORTER_MAX_RECORDS_PER_OBJECT: String(RECORDS_PER_OBJECT) });

  /** Per customer: the subject erased, the other subject kept, and what each sent. */
  interface Case {
    customerId: string;
    extension: string;
    subject: { visitorId: string; userId: string; favourite: string; sessions: string[]; events: TrackingEvent[] };
    other: { visitorId: string; events: TrackingEvent[] };
    requestId: string;
  }
  const cases: Case[] = [];

  const api = async (path: string, method = 'GET', body?: unknown) => {
    if (!exporter) throw new Error('the exporter is not running');
    const response = await fetch(`${exporter.url}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const startExporter = async () => {
    exporter = await startAppProcess('exporter', 'EXPORTER_PORT', settings);
  };
  const caughtUp = () => waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'exporter group caught up', timeoutMs: 60_000 });

  const listObjects = (bucket: string, prefix = ''): Promise<StoredObject[]> => listBucket(s3, bucket, prefix);
  /** Every object of the test: the customers' buckets and the backup bucket, manifests, metering records, claims and markers included. */
  const everyObject = async () => [...(await listObjects(backupBucket)), ...(await Promise.all(cases.map((each) => listObjects(bucketOf(each.customerId))))).flat()];
  const eventIdsIn = async (bucket: string, customerId: string) => {
    const ids: string[] = [];
    for (const object of await listObjects(bucket, `${PREFIX}/customer=${customerId}/`)) ids.push(...(await objectRecords(object.key, object.body)).map((row) => String(row['event_id'])));
    return ids.sort();
  };

  /** `count` events per session, an hour ago and now-ish, so objects span two event hours. */
  const eventsOf = (customerId: string, sessions: string[], count: number, person: { visitor_id: string; user_id?: string; favourite?: string }): TrackingEvent[] => {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    return buildEvents(
      customerId,
      sessions.flatMap((session, s) =>
        Array.from({ length: count }, (_, index) => ({
          event_type: index % 2 === 0 ? 'page_view' : 'custom_event',
          event_name: index % 2 === 0 ? 'Page' : 'Booked, "quoted"',
          page_url: `https://www.${customerId.replace(/_/g, '-')}.example/p/${person.visitor_id}/${index}?ref=${session}`,
          session_id: session,
          visitor_id: person.visitor_id,
          ...(person.user_id ? { user_id: person.user_id } : {}),
          occurred_at: new Date(hour + (index % 2 === 0 ? 60_000 : 3_660_000) + s * 100 + index).toISOString(),
          event_data: { index, ...(person.favourite ? { favourite_treatment: person.favourite } : {}), note: 'naïve ✓' },
        })),
      ),
    );
  };

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: backupBucket }));
    start = await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.exporter);
    for (const { format, compression } of FORMATS) {
      const tag = randomBytes(3).toString('hex');
      const { id } = writeTestCustomer(customersDir, {
        s3Export: {
          client_bucket: bucketOf(`it_${tag}`),
          backup_bucket: backupBucket,
          prefix: PREFIX,
          format,
          compression,
          schedule: 'daily',
          credentials: { access_key: { env: 'IT_S3_ACCESS_KEY' }, secret_key: { env: 'IT_S3_SECRET_KEY' } },
        },
      }, `it_${tag}`);
      await s3.send(new CreateBucketCommand({ Bucket: bucketOf(id) }));
      const subjectSessions = Array.from({ length: 6 }, (_, index) => `sess-erase-${tag}-${index}`);
      const otherSessions = Array.from({ length: 6 }, (_, index) => `sess-keep-${tag}-${index}`);
      const subject = { visitorId: `vis-erase-${tag}`, userId: `user-erase-${tag}`, favourite: `hot-stone-erase-${tag}`, sessions: subjectSessions, events: [] as TrackingEvent[] };
      subject.events = eventsOf(id, subjectSessions, 3, { visitor_id: subject.visitorId, user_id: subject.userId, favourite: subject.favourite });
      const other = { visitorId: `vis-keep-${tag}`, events: eventsOf(id, otherSessions, 3, { visitor_id: `vis-keep-${tag}` }) };
      cases.push({ customerId: id, extension: format === 'json' ? 'jsonl' : format, subject, other, requestId: `it-exporter-${tag}` });
    }
  });

  afterAll(async () => {
    await exporter?.stop();
    s3.destroy();
  });

  const publishErasures = async (requests: Array<{ requestId: string; customerId: string; visitorId: string; userId?: string }>) => {
    const publisher = new ErasurePublisher(testKafka(env.kafkaBrokers, 'it-erasures'), new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl)));
    try {
      for (const request of requests) {
        await publisher.publish({
          request_id: request.requestId,
          customer_id: request.customerId,
          requested_at: Date.now(),
          requested_by: 'exporter-privacy integration test',
          visitor_hks: [subjectHash(request.customerId, request.visitorId)],
          user_hks: request.userId === undefined ? [] : [subjectHash(request.customerId, request.userId)],
        });
      }
    } finally {
      await publisher.disconnect();
    }
  };
  const exporterReport = (requestId: string, state: 'done' | 'failed') => (read: Array<{ key: string | null; value: ErasureReport }>) =>
    read.find((record) => record.key === `${requestId}/exporter` && record.value.state === state)?.value;

  /** The ids and values of a case's subject that no object may hold after the erasure. */
  const needles = (each: Case) => [each.subject.visitorId, each.subject.userId, each.subject.favourite, ...each.subject.sessions, ...each.subject.events.map((event) => event.event_id)];

  it("exports both subjects' events to both buckets in every format, and the access route returns exactly the subject's records", async () => {
    await startExporter();
    await produceEvents(env, cases.flatMap((each) => [...each.subject.events, ...each.other.events]));
    await waitFor(
      async () => {
        await api('export/run', 'POST');
        return Promise.all(cases.map((each) => eventIdsIn(bucketOf(each.customerId), each.customerId)));
      },
      (all) => all.every((ids, index) => ids.length === (cases[index] as Case).subject.events.length + (cases[index] as Case).other.events.length),
      { what: "every customer's events exported", timeoutMs: 90_000 },
    );
    await caughtUp();
    let shared = 0;
    for (const each of cases) {
      const all = [...each.subject.events, ...each.other.events].map((event) => event.event_id).sort();
      expect(await eventIdsIn(bucketOf(each.customerId), each.customerId)).toEqual(all);
      expect(await eventIdsIn(backupBucket, each.customerId)).toEqual(all);
      // Objects holding both subjects are what the erasure must cut into, not drop.
      for (const object of await listObjects(bucketOf(each.customerId), `${PREFIX}/customer=${each.customerId}/`)) {
        const visitors = new Set((await objectRecords(object.key, object.body)).map((row) => row['visitor_id']));
        if (visitors.has(each.subject.visitorId) && visitors.has(each.other.visitorId)) shared += 1;
      }

      const access = await api('privacy/access', 'POST', { customer_id: each.customerId, visitor_ids: [each.subject.visitorId.toUpperCase()], user_ids: [each.subject.userId] });
      expect(access.status).toBe(200);
      const found = access.body['records'] as Array<{ bucket: string; key: string; record: Record<string, unknown> }>;
      expect(found.map((entry) => entry.record['event_id']).sort()).toEqual(each.subject.events.map((event) => event.event_id).sort());
      for (const entry of found) {
        expect(entry.bucket).toBe(bucketOf(each.customerId));
        expect(entry.key).toMatch(new RegExp(`^${PREFIX}/customer=${each.customerId}/.+\\.${each.extension.replace('.', '\\.')}(\\.gz)?$`));
        expect(entry.record).toMatchObject({ visitor_id: each.subject.visitorId, user_id: each.subject.userId, event_data: { favourite_treatment: each.subject.favourite } });
      }
    }
    expect(shared).toBeGreaterThan(0);
    const refused = await api('privacy/access', 'POST', { customer_id: cases[0]?.customerId });
    expect(refused.status).toBe(400);
  });

  it("after an erasure request no object in any bucket holds the subject; the other subject's records are all there once; manifests and metering match; a report 'exporter' arrives", async () => {
    const reportsFrom = await topicPositions(env.kafkaBrokers, TOPICS.privacyErasureReports);
    const objectsBefore = (await everyObject()).filter((object) => isEventObject(object.key)).length;
    const requestedAt = Date.now();
    await publishErasures(cases.map((each) => ({ requestId: each.requestId, customerId: each.customerId, visitorId: each.subject.visitorId, userId: each.subject.userId })));

    const reports = await readTopic<ErasureReport>(env, TOPICS.privacyErasureReports, reportsFrom, (read) => cases.every((each) => read.some((record) => record.key === `${each.requestId}/exporter` && record.value.state === 'done')), 120_000);
    const elapsed = Date.now() - requestedAt;
    for (const each of cases) {
      const done = reports.find((record) => record.key === `${each.requestId}/exporter` && record.value.state === 'done')?.value;
      expect(done).toMatchObject({ request_id: each.requestId, customer_id: each.customerId, place: 'exporter', found: each.subject.events.length, removed: each.subject.events.length });
    }
    // The figures for the closing note: how many objects, how long.
    process.stdout.write(`exporter erasure: ${cases.length} requests over ${objectsBefore} objects done within ${elapsed} ms; ${reports.filter((record) => record.value.state === 'done').map((record) => record.value.detail).join(' | ')}\n`);

    await expectErasedEverywhere();
  });

  it('later writes leave the subject out: events arriving after the erasure, and a replay of the exporter from the beginning, bring none back', async () => {
    // Live: more of both subjects' events after the request.
    const later = cases.map((each) => ({
      each,
      subject: eventsOf(each.customerId, each.subject.sessions.slice(0, 2), 2, { visitor_id: each.subject.visitorId, user_id: each.subject.userId, favourite: each.subject.favourite }).map((event) => ({ ...event, event_id: `${event.event_id}-late` })),
      other: eventsOf(each.customerId, [`sess-keep-late-${randomBytes(3).toString('hex')}`], 3, { visitor_id: each.other.visitorId }).map((event) => ({ ...event, event_id: `${event.event_id}-late` })),
    }));
    await produceEvents(env, later.flatMap(({ subject, other }) => [...subject, ...other]));
    for (const { each, subject, other } of later) {
      each.subject.events.push(...subject);
      each.other.events.push(...other);
    }
    await waitFor(
      async () => {
        await api('export/run', 'POST');
        return Promise.all(cases.map((each) => eventIdsIn(bucketOf(each.customerId), each.customerId)));
      },
      (all) => all.every((ids, index) => ids.length === (cases[index] as Case).other.events.length),
      { what: "the later events exported (the other subject's)", timeoutMs: 90_000 },
    );
    await caughtUp();
    await expectErasedEverywhere();

    // Replay: the group back at the beginning of the test's records, the exporter started again.
    const snapshot = async () => (await everyObject()).map((object) => `${object.bucket}/${object.key} ${object.etag}`).sort();
    const before = await snapshot();
    await exporter?.stop();
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.exporter, start);
    await startExporter();
    await caughtUp();
    await api('export/run', 'POST');
    expect(await snapshot()).toEqual(before);
    await expectErasedEverywhere();

    // And the access route finds nothing more of the subject.
    for (const each of cases) {
      const access = await api('privacy/access', 'POST', { customer_id: each.customerId, visitor_ids: [each.subject.visitorId], user_ids: [each.subject.userId] });
      expect(access.body['records']).toEqual([]);
    }
  });

  it("reports a request 'failed' with the reason while a bucket is down, and 'done' once it answers", async () => {
    const tag = randomBytes(3).toString('hex');
    const customerId = `it_${tag}`;
    // The client bucket does not exist: every call to it fails as a bucket that is down does.
    writeTestCustomer(customersDir, {
      s3Export: { client_bucket: bucketOf(customerId), backup_bucket: backupBucket, prefix: PREFIX, format: 'json', schedule: 'daily', credentials: { access_key: { env: 'IT_S3_ACCESS_KEY' }, secret_key: { env: 'IT_S3_SECRET_KEY' } } },
    }, customerId);
    await waitFor(() => api(`export/config?customer_id=${customerId}`), (answer) => answer.status === 200, { what: 'the exporter knows the new customer', timeoutMs: 30_000 });
    const reportsFrom = await topicPositions(env.kafkaBrokers, TOPICS.privacyErasureReports);
    const requestId = `it-exporter-down-${tag}`;
    await publishErasures([{ requestId, customerId, visitorId: `vis-${tag}` }]);

    const failed = exporterReport(requestId, 'failed')(await readTopic<ErasureReport>(env, TOPICS.privacyErasureReports, reportsFrom, (read) => exporterReport(requestId, 'failed')(read) !== undefined, 60_000));
    expect(failed).toMatchObject({ customer_id: customerId, place: 'exporter', found: 0, removed: 0 });
    expect(failed?.detail).toMatch(/bucket/i);
    expect(failed?.detail).toMatch(/tried again in/);

    await s3.send(new CreateBucketCommand({ Bucket: bucketOf(customerId) }));
    const done = exporterReport(requestId, 'done')(await readTopic<ErasureReport>(env, TOPICS.privacyErasureReports, reportsFrom, (read) => exporterReport(requestId, 'done')(read) !== undefined, 60_000));
    expect(done).toMatchObject({ customer_id: customerId, found: 0, removed: 0 });
  });

  it('with two instances one holds the erasure work; when it is killed the other takes the next request over', async () => {
    await exporter?.stop();
    // Info logs: the holder says so, naming itself as the reports do (`host:pid`).
    const instances = [await startAppProcess('exporter', 'EXPORTER_PORT', { ...settings, LOG_LEVEL: 'info' }), await startAppProcess('exporter', 'EXPORTER_PORT', { ...settings, LOG_LEVEL: 'info' })];
    const leaseLines = (instance: AppProcess) => instance.output().split('\n').filter((line) => line.includes('rewrites buckets for erasure requests'));
    const holds = (instance: AppProcess) => leaseLines(instance).pop()?.includes('now rewrites') === true;
    const nameOf = (instance: AppProcess) => (JSON.parse(leaseLines(instance)[0] ?? '{}') as { instance?: string }).instance;
    const holder = await waitFor(async () => instances.filter(holds), (holding) => holding.length === 1, { what: 'one instance holding the erasure work', timeoutMs: 60_000 });
    const first = holder[0] as AppProcess;
    const second = instances.find((instance) => instance !== first) as AppProcess;
    exporter = second;

    const reportsFrom = await topicPositions(env.kafkaBrokers, TOPICS.privacyErasureReports);
    const [one, two] = [`it-exporter-lease-1-${run}`, `it-exporter-lease-2-${run}`];
    const customerId = (cases[0] as Case).customerId;
    await publishErasures([{ requestId: one, customerId, visitorId: `vis-nobody-1-${run}` }]);
    const byFirst = exporterReport(one, 'done')(await readTopic<ErasureReport>(env, TOPICS.privacyErasureReports, reportsFrom, (read) => exporterReport(one, 'done')(read) !== undefined, 60_000));
    expect(byFirst?.instance).toBe(nameOf(first));

    await first.stop('SIGKILL');
    await publishErasures([{ requestId: two, customerId, visitorId: `vis-nobody-2-${run}` }]);
    const read = await readTopic<ErasureReport>(env, TOPICS.privacyErasureReports, reportsFrom, (records) => exporterReport(two, 'done')(records) !== undefined, 90_000);
    expect(exporterReport(two, 'done')(read)?.instance).toBe(nameOf(second));
    expect(nameOf(second)).not.toBe(nameOf(first));
    // Each request was done once: the new holder found the first one's marker and left it.
    expect(read.filter((record) => record.key === `${one}/exporter`)).toHaveLength(1);
    expect(read.filter((record) => record.key === `${two}/exporter`)).toHaveLength(1);
  });

  async function expectErasedEverywhere(): Promise<void> {
    const objects = await everyObject();
    const texts = await Promise.all(objects.map(async (object) => ({ object, text: await searchableText(object) })));
    for (const each of cases) {
      for (const needle of needles(each)) {
        const holders = texts.filter(({ text }) => text.includes(needle)).map(({ object }) => `${object.bucket}/${object.key}`);
        expect({ needle, holders }).toEqual({ needle, holders: [] });
      }
      // The other subject: every record still there, exactly once, in both buckets.
      const others = each.other.events.map((event) => event.event_id).sort();
      expect(await eventIdsIn(bucketOf(each.customerId), each.customerId)).toEqual(others);
      expect(await eventIdsIn(backupBucket, each.customerId)).toEqual(others);
    }
    // Manifests list each object's event ids in order; metering records its count, size and checksum.
    const byKey = new Map(objects.map((object) => [`${object.bucket}/${object.key}`, object]));
    for (const object of objects.filter((candidate) => candidate.bucket === backupBucket && isEventObject(candidate.key))) {
      const stem = object.key.slice(object.key.lastIndexOf('/') + 1).replace(/\.(jsonl|csv|parquet|avro)(\.gz)?$/, '');
      const directory = object.key.slice(PREFIX.length + 1, object.key.lastIndexOf('/') + 1);
      const ids = (await objectRecords(object.key, object.body)).map((row) => String(row['event_id']));
      const manifest = byKey.get(`${backupBucket}/${PREFIX}/_manifests/${directory}${stem}.ids`);
      expect({ key: object.key, manifest: manifest?.body.toString('utf8') }).toEqual({ key: object.key, manifest: ids.map((id) => `${id}\n`).join('') });
      const metering = JSON.parse(byKey.get(`${backupBucket}/${PREFIX}/_metering/${directory}${stem}.json`)?.body.toString('utf8') ?? '{}') as Record<string, unknown>;
      expect({ key: object.key, records: metering['records'], bytes: metering['bytes'], md5: metering['md5'] }).toEqual({
        key: object.key,
        records: ids.length,
        bytes: object.body.length,
        md5: createHash('md5').update(object.body).digest('hex'),
      });
      // Both copies are the same bytes.
      const customerId = /customer=([^/]+)\//.exec(object.key)?.[1] as string;
      expect(byKey.get(`${bucketOf(customerId)}/${object.key}`)?.etag).toBe(object.etag);
    }
  }
});
