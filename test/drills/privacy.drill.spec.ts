import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS } from '@tracking/contracts';
import type { ErasureStatus } from '@tracking/privacy';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { runCli } from '@test/support/cli';
import { printBooks, steps, type Books } from '@test/support/drill-books';
import { eventObjectRecords, listObjects, searchableText } from '@test/support/export-objects';
import { EXPORTER_ON_STACK_S3, TEST_ADMIN_TOKEN } from '@test/support/in-process-services';
import { groupLag, positionGroup } from '@test/support/kafka-inspection';
import { startPipeline, type ConsumerHandle, type Pipeline } from '@test/support/pipeline';
import { testS3Export, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';
import { startWebhookReceiver, type WebhookReceiver } from '@test/support/webhook-receiver';
import { waitFor } from '@test/support/wait-for';

/**
 * Issue 20's drill: one person's events go everywhere a copy can land — the vault, the client and
 * backup buckets (JSON Lines gzipped and Parquet), trigger rows and webhook deliveries, and the three
 * consumers' dead-letter topics — beside a bystander's. The erasure is requested while the exporter
 * and the automation trigger are down (SIGKILLed): they must act on it when they come back, from the
 * erasure topic alone. Then nothing anywhere holds the person's ids or values; the bystander's events
 * are all still there exactly once; and a replay of every consumer from before the first event
 * brings nothing back and duplicates nothing.
 */

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const FORMATS = [
  { format: 'json', compression: 'gzip' },
  { format: 'parquet', compression: 'none' },
] as const;
const EVENTS_PER_PERSON = 12;
const CATCH_UP_MS = 90_000;
const PREFIX = 'exports/privacy-drill';

interface Person {
  visitorId: string;
  userId: string;
  /** A value only this person's events carry (an e-mail address in event_data), searched for as well as the ids. */
  email: string;
}

interface SentEvent {
  event_id: string;
  event_type: string;
  event_name?: string;
  page_url: string;
  session_id: string;
  visitor_id: string;
  user_id: string;
  occurred_at: string;
  event_data: Record<string, unknown>;
}

describe('privacy drill: an erasure reaches every copy, even of services down when it was asked (issue 20)', () => {
  jest.setTimeout(420_000);
  const env = testEnvironment();
  const run = randomBytes(4).toString('hex');
  const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  const db = new Pool({ connectionString: env.databaseUrl, max: 2 });
  const customersDir = mkdtempSync(join(tmpdir(), 'drill-privacy-customers-'));
  const backupBucket = `drill-privacy-backup-${run}`;
  const clientBucket = (index: number) => `drill-privacy-${index}-${run}`;
  const person: Person = { visitorId: `v-erase-${run}`, userId: `u-erase-${run}`, email: `erase.${run}@person.example` };
  const bystander: Person = { visitorId: `v-keep-${run}`, userId: `u-keep-${run}`, email: `keep.${run}@person.example` };
  const needles = [person.visitorId, person.userId, person.email, encodeURIComponent(person.email)];
  let customers: TestCustomer[] = [];
  let receiver: WebhookReceiver;
  let pipeline: Pipeline;
  let start: Map<string, Map<number, string>>;
  const sent = new Map<string, SentEvent[]>();
  const books: Books = {};
  /** Broker time before the drill's first record, where `tracking tail` starts. */
  const drillStart = new Date(Date.now() - 5_000).toISOString();

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    for (const bucket of [backupBucket, ...FORMATS.map((_, index) => clientBucket(index))]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    customers = FORMATS.map(({ format, compression }, index) =>
      writeTestCustomer(customersDir, {
        s3Export: { ...testS3Export({ clientBucket: clientBucket(index), backupBucket, prefix: PREFIX, schedule: 'real-time', format }), compression },
        landingWebhookUrl: receiver.url,
      }),
    );
    const kafka = testKafka(env.kafkaBrokers);
    const admin = kafka.admin();
    await admin.connect();
    start = new Map();
    for (const topic of new Set(Object.values(CONSUMER_SUBSCRIPTIONS).flat())) {
      start.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((partition) => [partition.partition, partition.high])));
    }
    await admin.disconnect();
    pipeline = await startPipeline({
      name: 'drill-privacy',
      customersDir,
      settings: { exporter: { ...EXPORTER_ON_STACK_S3, EXPORTER_MAX_RECORDS_PER_OBJECT: '5' }, 'automation-trigger': { IT_WEBHOOK_SECRET: SECRET } },
    });
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
    await receiver?.close();
    await db.end();
  });

  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const consumers = (): ConsumerHandle[] => [pipeline['vault-loader'], pipeline['automation-trigger'], pipeline.exporter];

  const eventsOf = (customer: TestCustomer, who: Person, tag: string): SentEvent[] => {
    const base = Date.now() - 120_000;
    return Array.from({ length: EVENTS_PER_PERSON }, (_, index) => ({
      event_id: `drill-privacy-${run}-${customer.id}-${tag}-${index}`,
      event_type: index % 2 === 0 ? 'page_view' : 'form_submit',
      ...(index % 2 === 0 ? {} : { event_name: 'booking' }),
      // The person's e-mail rides in the query string too, as tracking parameters often carry one.
      page_url: `https://${customer.id.replace(/_/g, '-')}.example/${index % 4 === 0 ? 'landing' : 'pricing'}/${index}?contact=${encodeURIComponent(who.email)}`,
      session_id: `s-${tag}-${run}-${index % 3}`,
      visitor_id: who.visitorId,
      user_id: who.userId,
      occurred_at: new Date(base + index * 1_000 + (tag === 'erase' ? 0 : 500)).toISOString(),
      event_data: { contact: who.email, index },
    }));
  };

  const send = async (customer: TestCustomer, events: SentEvent[]): Promise<void> => {
    const response = await fetch(`${pipeline.gateway.url}/api/v1/track/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-customer-id': customer.id, authorization: `Bearer ${customer.token}` },
      body: JSON.stringify({ batch_id: `drill-privacy-${run}-${events[0]?.event_id}`, events }),
    });
    const answer = (await response.json()) as { accepted?: number; errors?: unknown[]; dropped?: unknown[] };
    if (response.status !== 202 && response.status !== 200) throw new Error(`bulk answered ${response.status}: ${JSON.stringify(answer).slice(0, 300)}`);
    if ((answer.errors ?? []).length + (answer.dropped ?? []).length > 0) throw new Error(`bulk refused events: ${JSON.stringify(answer).slice(0, 300)}`);
    sent.set(customer.id, [...(sent.get(customer.id) ?? []), ...events]);
  };

  /** A record no consumer can read (not Avro) that names the person: each consumer dead-letters it. */
  const poison = async (customer: TestCustomer): Promise<void> => {
    const producer = testKafka(env.kafkaBrokers).producer();
    await producer.connect();
    await producer.send({
      topic: TOPICS.trackingEvents,
      messages: [{ key: `${customer.id}:s-erase-${run}-0`, value: Buffer.from(JSON.stringify({ customer_id: customer.id, visitor_id: person.visitorId, user_id: person.userId, contact: person.email })) }],
    });
    await producer.disconnect();
  };

  const caughtUp = async (what: string): Promise<void> => {
    for (const consumer of consumers()) {
      for (const topic of CONSUMER_SUBSCRIPTIONS[consumer.name === 'vault-loader' ? 'vaultLoader' : consumer.name === 'exporter' ? 'exporter' : 'automationTrigger']) {
        await waitFor(() => groupLag(env.kafkaBrokers, consumer.group, topic), (lag) => lag === 0, { what: `${consumer.name} caught up on ${topic} (${what})`, timeoutMs: CATCH_UP_MS });
      }
    }
  };

  /** Closes open objects now rather than on the schedule's clock. */
  const flushExports = async (): Promise<void> => {
    const response = await fetch(`${pipeline.exporter.url}/api/v1/export/run`, { method: 'POST', headers: { authorization: admin.authorization } });
    if (response.status >= 300) throw new Error(`export run answered ${response.status}`);
  };

  /** Every object of the drill's buckets (client and backup: events, manifests, metering, claims, markers). */
  const everyObject = async () => (await Promise.all([backupBucket, ...FORMATS.map((_, index) => clientBucket(index))].map((bucket) => listObjects(s3, bucket)))).flat();

  /** Event ids of the drill's customers in one bucket, as often as they occur. */
  const exportedIds = async (bucket: string): Promise<string[]> => {
    const ids: string[] = [];
    for (const object of await listObjects(s3, bucket)) for (const row of await eventObjectRecords(object)) ids.push(String(row['event_id']));
    return ids;
  };

  /** Every row of every table in the vault's, the automation's and the bookkeeping schemas that names the person. */
  const databaseTraces = async (): Promise<string[]> => {
    const { rows: tables } = await db.query<{ name: string }>(
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const found: string[] = [];
    for (const { name } of tables) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name} t WHERE t::text LIKE ANY($1)`, [needles.map((needle) => `%${needle}%`)]);
      if (rows[0].n > 0) found.push(`${name}: ${rows[0].n} rows`);
    }
    return found;
  };

  const objectTraces = async (): Promise<string[]> => {
    const found: string[] = [];
    for (const object of await everyObject()) {
      const text = await searchableText(object);
      for (const needle of needles) if (text.includes(needle)) found.push(`${object.bucket}/${object.key}: ${needle}`);
    }
    return found;
  };

  const webhookTraces = (from: number): number => receiver.received.slice(from).filter((webhook) => needles.some((needle) => webhook.body.includes(needle))).length;

  /** What `tracking tail` prints of a topic from the drill's start: the person's records must be withheld. */
  const tailTraces = async (topic: string): Promise<number> => {
    const result = await runCli(env, ['tail', topic, '--from', drillStart, '--until-end']);
    if (result.code !== 0) throw new Error(`tracking tail ${topic} exited ${result.code}: ${result.stderr.slice(0, 300)}`);
    return needles.filter((needle) => result.stdout.includes(needle)).length;
  };

  const erasureStatus = async (requestId: string): Promise<ErasureStatus> => {
    const response = await fetch(`${pipeline['vault-loader'].url}/api/v1/privacy/erasures/${requestId}`, { headers: { authorization: admin.authorization } });
    return (await response.json()) as ErasureStatus;
  };

  it('leaves no copy of the erased person anywhere, keeps the bystander exactly once, and a replay of every service brings nothing back', async () => {
    await steps('privacy', () => books, async () => {
      for (const customer of customers) {
        await send(customer, eventsOf(customer, person, 'erase'));
        await send(customer, eventsOf(customer, bystander, 'keep'));
        await poison(customer);
      }
      const eachCustomerEvents = EVENTS_PER_PERSON * 2;
      books['events sent (acknowledged), per customer'] = eachCustomerEvents;
      await caughtUp('after sending');
      await flushExports();

      // Everything landed everywhere before the erasure: otherwise finding nothing afterwards proves nothing.
      await waitFor(() => objectTraces(), (traces) => traces.length >= FORMATS.length * 2, { what: "the person's events in both buckets", timeoutMs: CATCH_UP_MS });
      const landingViews = (who: string) => customers.length * eventsOf(customers[0] as TestCustomer, who === 'erase' ? person : bystander, who).filter((event) => event.page_url.includes('/landing/')).length;
      await waitFor(async () => receiver.received.length, (n) => n >= landingViews('erase') + landingViews('keep'), { what: 'every landing page view delivered', timeoutMs: CATCH_UP_MS });
      books['webhooks delivered before the erasure'] = receiver.received.length;
      books['database tables naming the person before'] = (await databaseTraces()).length;
      books['objects naming the person before'] = new Set((await objectTraces()).map((trace) => trace.split(':')[0])).size;
      expect(books['database tables naming the person before']).toBeGreaterThan(0);

      // The exporter and the automation trigger are away when the erasure is asked for.
      await pipeline.exporter.kill();
      await pipeline['automation-trigger'].kill();
      const requestIds: string[] = [];
      for (const customer of customers) {
        const response = await fetch(`${pipeline['vault-loader'].url}/api/v1/privacy/erasures`, {
          method: 'POST',
          headers: admin,
          body: JSON.stringify({ customer_id: customer.id, user_id: person.userId }),
        });
        const body = (await response.json()) as { request_id: string };
        expect(response.status).toBe(200);
        requestIds.push(body.request_id);
      }
      const beforeRestart = await erasureStatus(requestIds[0] as string);
      expect(beforeRestart.places).toMatchObject({ vault: { state: 'done' }, exporter: { state: 'pending' }, 'automation-trigger': { state: 'pending' } });
      const webhooksAtErasure = receiver.received.length;

      await pipeline.exporter.restart();
      await pipeline['automation-trigger'].restart();
      const statuses = await waitFor(
        () => Promise.all(requestIds.map(erasureStatus)),
        (all) => all.every((status) => Object.values(status.places).every((place) => place.state === 'done')),
        { what: 'every place done for every request', timeoutMs: CATCH_UP_MS },
      );
      for (const status of statuses) {
        for (const [place, report] of Object.entries(status.places)) books[`${status.customer_id} ${place}: found / removed`] = `${report.found} / ${report.removed}`;
      }

      const check = async (when: string): Promise<void> => {
        const tables = await databaseTraces();
        const objects = await objectTraces();
        books[`database tables naming the person ${when}`] = tables.length;
        books[`objects naming the person ${when}`] = objects.length;
        books[`webhooks naming the person after the erasure (${when})`] = webhookTraces(webhooksAtErasure);
        expect(tables).toEqual([]);
        expect(objects).toEqual([]);
        expect(webhookTraces(webhooksAtErasure)).toBe(0);
        for (const [index, customer] of customers.entries()) {
          const kept = (sent.get(customer.id) ?? []).filter((event) => event.visitor_id === bystander.visitorId).map((event) => event.event_id).sort();
          for (const bucket of [clientBucket(index), backupBucket]) {
            const ids = (await exportedIds(bucket)).filter((id) => id.includes(customer.id));
            books[`${customer.id} bystander events in ${bucket === backupBucket ? 'backup' : 'client'} bucket (${when})`] = ids.filter((id) => id.includes('-keep-')).length;
            expect(ids.filter((id) => id.includes('-keep-')).sort()).toEqual(kept);
          }
          const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM staging.site_events WHERE event_id = ANY($1)`, [kept]);
          books[`${customer.id} bystander events in the vault (${when})`] = rows[0].n;
          expect(rows[0].n).toBe(kept.length);
        }
        for (const topic of [TOPICS.trackingEvents, TOPICS.vaultLoaderDeadLetter, TOPICS.automationTriggerDeadLetter, TOPICS.exporterDeadLetter]) {
          const printed = await tailTraces(topic);
          books[`tracking tail ${topic}: the person's ids printed (${when})`] = printed;
          expect(printed).toBe(0);
        }
      };
      await check('after the erasure');

      // A replay of every consumer from before the drill's first record.
      const deliveredBeforeReplay = receiver.received.length;
      for (const consumer of consumers()) await consumer.stop();
      for (const consumer of consumers()) {
        const topics = CONSUMER_SUBSCRIPTIONS[consumer.name === 'vault-loader' ? 'vaultLoader' : consumer.name === 'exporter' ? 'exporter' : 'automationTrigger'];
        await positionGroup(env.kafkaBrokers, consumer.group, topics, start);
      }
      for (const consumer of consumers()) await consumer.restart();
      await caughtUp('after the replay');
      await flushExports();
      await check('after a replay of every service');
      books['webhooks delivered by the replay'] = receiver.received.length - deliveredBeforeReplay;
      expect(receiver.received.length - deliveredBeforeReplay).toBe(0);
    });
    printBooks('privacy', books);
  });
});
