import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import {
  AvroDeserializer,
  TRACKING_EVENT_SCHEMA_FILE,
  createAvroSerializer,
  eventMessageKey,
  readAvroSchema,
  trackingEventHeaders,
  type TrackingEvent,
} from '@tracking/contracts';
import { parseCustomerConfig, resolveSite, siteIdFor } from '@tracking/customers';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { runCli } from '@test/support/cli';
import { startRegistryProcess, type RegistryProcess } from '@test/support/registry-process';
import {
  TRACKING_EVENT_BEFORE_SITE_ID,
  pipelineEvents,
  recordBeforeSiteId,
  writeRecordsBeforeSiteId,
  type TrackingEventBeforeSiteId,
} from '@test/support/schema-evolution';
import { testRegistrySettings } from '@test/support/test-connection';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';
import { consumeFrom } from '@test/support/topic-reader';

const EVENTS_SUBJECT = 'tracking.events.v1-value';
const CURRENT = readAvroSchema(TRACKING_EVENT_SCHEMA_FILE);

/** An agency with two declared sites, one key bound to a site, and auto discovery. */
const agency = parseCustomerConfig(
  'evolution_agency',
  {
    customer: { id: 'evolution_agency', name: 'Evolution Agency' },
    sites: [
      { id: 'bakery', domains: ['bakery.example', '*.bakery.example'] },
      { id: 'florist', domains: ['florist.example'] },
    ],
    tracking: {
      api_tokens: [
        { id: 'agency-server', sha256: 'd'.repeat(64) },
        { id: 'florist-server', sha256: 'e'.repeat(64), site_id: 'florist' },
      ],
    },
  },
  {},
);

/** One body per way a site is found; `tag` keeps the old and new copies of a body apart. */
function bodies(tag: string): Array<{ body: Record<string, unknown>; keyId: string }> {
  const at = (minute: number) => `2026-01-05T09:${String(minute).padStart(2, '0')}:00.000Z`;
  const page = (url: string, minute: number) => ({ event_type: 'page_view', page_url: url, session_id: `s-${minute}`, occurred_at: at(minute), event_id: `${tag}-${minute}` });
  return [
    { body: page('https://bakery.example/', 1), keyId: 'agency-server' },
    { body: page('https://WWW.bakery.example/menu', 2), keyId: 'agency-server' },
    { body: page('https://orders.bakery.example/cart', 3), keyId: 'agency-server' },
    { body: page('https://florist.example/roses', 4), keyId: 'agency-server' },
    { body: page('https://new-client.example/landing', 5), keyId: 'agency-server' },
    { body: page('https://bakery.example/from-the-florist-server', 6), keyId: 'florist-server' },
    { body: { event_type: 'signup', session_id: 's-7', occurred_at: at(7), event_id: `${tag}-7` }, keyId: 'agency-server' },
    { body: { event_type: 'signup', session_id: 's-8', occurred_at: at(8), event_id: `${tag}-8` }, keyId: 'florist-server' },
  ];
}

function eventsOf(tag: string): TrackingEvent[] {
  return bodies(tag).flatMap(({ body, keyId }) => pipelineEvents(agency, [body], { keyId }));
}

/**
 * The platform's first schema evolution (issue 23): site_id added to TrackingEvent under the
 * existing subject. A registry of the test's own, on a storage topic of its own, stands for a
 * deployment from before the change (only the old schema registered under tracking.events.v1-value),
 * and a topic of the test's own holds that deployment's records, so the shared registry and topic
 * are not touched. The release is then checked and registered by the real CLI, new records are
 * written by the current serializer, and the topic is read by a consumer built with each schema.
 */
describe('schema evolution: site_id on tracking.events.v1-value', () => {
  const env = testEnvironment();
  const storageTopic = `_schemas-evolution-${randomUUID()}`;
  const topic = `it-evolution-${randomUUID()}`;
  let registryProcess: RegistryProcess;
  let registry: ConfluentSchemaRegistryAdapter;
  const cli = (...args: string[]) => runCli({ ...env, schemaRegistryUrl: registryProcess.url }, ['--json', 'schemas', ...args]);

  beforeAll(async () => {
    registryProcess = await startRegistryProcess({ brokers: env.kafkaBrokers, topic: storageTopic });
    registry = new ConfluentSchemaRegistryAdapter(testRegistrySettings(registryProcess.url));
    const admin = testKafka(env.kafkaBrokers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
  });

  afterAll(async () => {
    await registryProcess?.stop();
    const admin = testKafka(env.kafkaBrokers).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, storageTopic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('changes exactly one thing: site_id appended as ["null","string"] with a null default', () => {
    const before = JSON.parse(TRACKING_EVENT_BEFORE_SITE_ID.text) as { fields: Array<{ name: string }> };
    const after = JSON.parse(CURRENT.text) as { fields: Array<{ name: string }> };
    expect(after.fields.slice(0, before.fields.length)).toEqual(before.fields);
    expect(after.fields.slice(before.fields.length)).toEqual([expect.objectContaining({ name: 'site_id', type: ['null', 'string'], default: null })]);
  });

  it('replays records from before the change: old and new readers read both, and the site derived from an old record is the one written into a new record', async () => {
    // 1. Before the change: the old schema is version 1, and the old gateway wrote records with it.
    const oldEvents = eventsOf('old');
    const old = await writeRecordsBeforeSiteId({ brokers: env.kafkaBrokers, registry, topic, subject: EVENTS_SUBJECT, events: oldEvents });
    expect(await registry.versions(EVENTS_SUBJECT)).toEqual([1]);

    // 2. The change, as a deployment makes it: `schemas diff` shows the field, `schemas check` asks the
    //    registry (BACKWARD), `schemas register` adds version 2, and a second check finds nothing to do.
    const diff = await cli('diff', EVENTS_SUBJECT);
    expect(diff.code).toBe(0);
    expect(JSON.parse(diff.stdout)).toMatchObject({ subjects: [{ subject: EVENTS_SUBJECT, status: 'changed', registeredVersion: 1, changes: [expect.objectContaining({ path: 'site_id' })] }] });
    const check = await cli('check');
    expect({ code: check.code, stderr: check.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(check.stdout)).toMatchObject({ compatible: true });
    expect((JSON.parse(check.stdout) as { subjects: Array<{ subject: string }> }).subjects.find((subject) => subject.subject === EVENTS_SUBJECT)).toMatchObject({
      compatibility: 'BACKWARD',
      status: 'compatible',
      latestVersion: 1,
    });
    const register = await cli('register');
    expect(register.code).toBe(0);
    expect((JSON.parse(register.stdout) as { subjects: Array<{ subject: string }> }).subjects.find((subject) => subject.subject === EVENTS_SUBJECT)).toMatchObject({
      action: 'registered',
      version: 2,
      latestVersion: 1,
    });
    expect(await registry.versions(EVENTS_SUBJECT)).toEqual([1, 2]);
    const recheck = await cli('check');
    expect(recheck.code).toBe(0);
    expect((JSON.parse(recheck.stdout) as { subjects: Array<{ subject: string }> }).subjects.find((subject) => subject.subject === EVENTS_SUBJECT)).toMatchObject({ status: 'unchanged', latestVersion: 2 });

    // 3. After the change: the gateway's serializer looks the current schema up (never registers) and writes site_id.
    const serializer = await createAvroSerializer<TrackingEvent>(registry, EVENTS_SUBJECT, CURRENT);
    expect(serializer.schemaId).not.toBe(old.schemaId);
    const newEvents = eventsOf('new');
    const producer = testKafka(env.kafkaBrokers).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: newEvents.map((event) => ({ key: eventMessageKey(event), value: serializer.serialize(event), headers: trackingEventHeaders(event) })),
    });
    await producer.disconnect();

    // 4. The whole topic, as a replay reads it.
    const messages: KafkaMessage[] = [];
    const total = oldEvents.length + newEvents.length;
    const complete = await consumeFrom(env.kafkaBrokers, topic, new Map([[0, '0'], [1, '0'], [2, '0']]), (_partition, message) => {
      messages.push(message);
      return messages.length === total;
    }, 30_000);
    expect(complete).toBe(true);
    const schemaIds = new Set(messages.map((message) => (message.value as Buffer).readUInt32BE(1)));
    expect(schemaIds).toEqual(new Set([old.schemaId, serializer.schemaId]));

    // A consumer built with the OLD schema (a service not yet redeployed) reads the new records: site_id is ignored.
    const oldReader = new AvroDeserializer<TrackingEventBeforeSiteId>(registry, TRACKING_EVENT_BEFORE_SITE_ID.type);
    const readByOld = new Map<string, TrackingEventBeforeSiteId>();
    for (const message of messages) {
      const value = await oldReader.deserialize(message.value as Buffer);
      readByOld.set(value.event_id, value);
    }
    for (const event of [...oldEvents, ...newEvents]) expect(readByOld.get(event.event_id)).toEqual(recordBeforeSiteId(event));

    // A consumer built with the NEW schema reads the old records with site_id null (the default), the new ones with it.
    const newReader = new AvroDeserializer<TrackingEvent>(registry, CURRENT.type);
    const readByNew = new Map<string, TrackingEvent>();
    for (const message of messages) {
      const value = await newReader.deserialize(message.value as Buffer);
      readByNew.set(value.event_id, value);
    }
    for (const event of oldEvents) expect(readByNew.get(event.event_id)).toEqual({ ...event, site_id: null });
    for (const event of newEvents) expect(readByNew.get(event.event_id)).toEqual(event);

    // Every reader derives the site of an old record with siteIdFor; it is what the gateway writes now for the same event.
    const figures = oldEvents.map((event, index) => {
      const replayed = readByNew.get(event.event_id) as TrackingEvent;
      const written = newEvents[index] as TrackingEvent;
      return { page: event.page_url, key: event.key_id, derived: siteIdFor(agency, replayed), written: written.site_id, how: resolveSite(agency, replayed).origin };
    });
    process.stderr.write(`schema evolution: ${figures.map((figure) => `${figure.page ?? '(no page)'} via ${figure.key} -> ${figure.derived} (${figure.how})`).join('; ')}\n`);
    expect(figures.map((figure) => figure.derived)).toEqual(figures.map((figure) => figure.written));
    expect(figures.map((figure) => figure.derived)).toEqual(['bakery', 'bakery', 'bakery', 'florist', 'new-client.example', 'florist', null, 'florist']);
    // A record keeps the site it carries, whatever its page would derive now.
    for (const event of newEvents.filter((candidate) => candidate.site_id !== null)) {
      expect(siteIdFor(agency, { ...event, page_url: 'https://elsewhere.example/' })).toBe(event.site_id);
    }
  });

  it('the registry refuses a change that is not BACKWARD: a new field without a default', async () => {
    const broken = JSON.parse(CURRENT.text) as { fields: Array<Record<string, unknown>> };
    broken.fields.push({ name: 'tenant_region', type: 'string' });
    const verdict = await registry.checkCompatibility(EVENTS_SUBJECT, JSON.stringify(broken));
    expect(verdict.isCompatible).toBe(false);
  });
});
