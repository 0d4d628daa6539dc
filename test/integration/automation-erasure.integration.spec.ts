import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { stringify } from 'yaml';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, erasureReportKey, triggerId, triggerIdempotencyKey, type ErasureReport, type ErasureRequestRecord, type TrackingEvent } from '@tracking/contracts';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { ErasurePublisher, subjectHash } from '@tracking/privacy';
import { TriggerRepository } from '@apps/automation-trigger/triggers/trigger.repository';
import { TEST_ADMIN_TOKEN, startAutomationTrigger, type RunningService } from '@test/support/in-process-services';
import { positionGroup, waitForCommittedPast } from '@test/support/kafka-inspection';
import { writeTestCustomer } from '@test/support/test-customers';
import { testRegistrySettings } from '@test/support/test-connection';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';
import { readTopic, topicPositions, type Positions } from '@test/support/topic-reader';
import { buildEvents, produceEvents } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';
import { startWebhookReceiver, type WebhookReceiver } from '@test/support/webhook-receiver';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** One person of the test: their ids and a value only their events carry, to search for in every row. */
interface Person {
  visitor: string;
  /** A second device of the same user: named by the request only through the user id. */
  otherVisitor: string;
  user: string;
  session: string;
  otherSession: string;
  secret: string;
}

function person(tag: string): Person {
  const nonce = randomBytes(4).toString('hex');
  return {
    visitor: `v-${tag}-${nonce}`,
    otherVisitor: `v2-${tag}-${nonce}`,
    user: `u-${tag}-${nonce}`,
    session: `s-${tag}-${nonce}`,
    otherSession: `s2-${tag}-${nonce}`,
    secret: `treatment-${tag}-${nonce}`,
  };
}

/**
 * The person's events: a landing page view (delivered to the healthy endpoint), a checkout page view
 * (to the failing endpoint: pending, retried), a landing view from their other device, and a page
 * view whose endpoint refuses it (dead at once, and dead-lettered).
 */
function eventsOf(customerId: string, who: Person): TrackingEvent[] {
  const at = Date.now() - 60_000;
  return buildEvents(customerId, [
    { event_type: 'page_view', page_url: `https://shop.example/landing/${who.visitor}`, session_id: who.session, visitor_id: who.visitor, user_id: who.user, occurred_at: new Date(at).toISOString(), event_data: { treatment: who.secret } },
    { event_type: 'page_view', page_url: `https://shop.example/checkout/${who.visitor}`, session_id: who.session, visitor_id: who.visitor, user_id: who.user, occurred_at: new Date(at + 1000).toISOString(), event_data: { treatment: who.secret } },
    { event_type: 'page_view', page_url: `https://shop.example/landing/${who.otherVisitor}`, session_id: who.otherSession, visitor_id: who.otherVisitor, user_id: who.user, occurred_at: new Date(at + 2000).toISOString() },
    { event_type: 'page_view', page_url: `https://shop.example/refused/${who.visitor}`, session_id: who.session, visitor_id: who.visitor, user_id: who.user, occurred_at: new Date(at + 3000).toISOString(), event_data: { treatment: who.secret } },
  ]);
}

/** Every text a person's data could be found under: ids, the value, the events' ids and idempotency keys. */
function tracesOf(who: Person, events: readonly TrackingEvent[]): string[] {
  return [who.visitor, who.otherVisitor, who.user, who.session, who.otherSession, who.secret, ...events.map((event) => event.event_id), ...events.map((event) => triggerIdempotencyKey(event))];
}

describe('automation trigger: erasure of a subject (real Kafka, PostgreSQL and HTTP receivers)', () => {
  const env = testEnvironment();
  const db = new Pool({ connectionString: env.databaseUrl, max: 3 });
  const groupId = `it-automation-erasure-${randomUUID()}`;
  // This file's own customer directory, so the services fire for this file's customer only (a replay
  // from the beginning must not deliver other runs' events to their receivers).
  const customersDir = mkdtempSync(join(tmpdir(), 'it-erasure-customers-'));
  const settings = { IT_WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_SCHEDULE: Array(40).fill('500ms').join(','), WEBHOOK_TIMEOUT_MS: '1000', AUTOMATIONS_RELOAD_SECONDS: '1' };
  const services: RunningService[] = [];
  let healthy: WebhookReceiver;
  let failing: WebhookReceiver;
  let refusing: WebhookReceiver;
  let failingAnswers = 503;
  let customerId: string;
  let reportPositions: Positions;

  const erased = person('erased');
  const kept = person('kept');
  let erasedEvents: TrackingEvent[];
  let keptEvents: TrackingEvent[];

  const start = async () => {
    const service = await startAutomationTrigger(env, groupId, customersDir, settings);
    services.push(service);
    return service;
  };
  const stopAll = async () => {
    for (const service of services.splice(0)) await service.close();
  };
  const caughtUp = async () => waitForCommittedPast(env.kafkaBrokers, groupId, TOPICS.trackingEvents, await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents));
  /** The customer's trigger rows and their delivery attempts, each as the text of the whole row. */
  const rowTexts = async () =>
    (
      await db.query<{ text: string; trigger_id: string }>(
        `SELECT t.trigger_id, row_to_json(t)::text || coalesce((SELECT json_agg(a)::text FROM automation.delivery_attempts a WHERE a.trigger_id = t.trigger_id), '') AS text
           FROM automation.triggers t WHERE t.customer_id = $1 ORDER BY t.seq`,
        [customerId],
      )
    ).rows;
  const rowsOf = async (events: readonly TrackingEvent[]) =>
    (
      await db.query<{ trigger_id: string; event_id: string; delivery_status: string; erased_at: Date | null; dead_lettered_at: Date | null; payload: Record<string, unknown> }>(
        `SELECT trigger_id, event_id, delivery_status, erased_at, dead_lettered_at, payload FROM automation.triggers WHERE customer_id = $1 AND event_id = ANY($2) ORDER BY seq`,
        [customerId, events.map((event) => event.event_id)],
      )
    ).rows;
  const mentions = (webhooks: readonly { body: string }[], who: Person) => webhooks.filter((webhook) => webhook.body.includes(who.visitor) || webhook.body.includes(who.otherVisitor));

  beforeAll(async () => {
    healthy = await startWebhookReceiver();
    failing = await startWebhookReceiver(() => failingAnswers);
    refusing = await startWebhookReceiver(() => 410);
    customerId = writeTestCustomer(customersDir).id;
    const workflows = [
      { id: 'landing', trigger: 'site_page_view', filters: { url_path: { prefix: '/landing/' } }, webhook: { url: healthy.url, secret_env: 'IT_WEBHOOK_SECRET' } },
      { id: 'checkout', trigger: 'site_page_view', filters: { url_path: { prefix: '/checkout/' } }, webhook: { url: failing.url, secret_env: 'IT_WEBHOOK_SECRET' } },
      { id: 'refused', trigger: 'site_page_view', filters: { url_path: { prefix: '/refused/' } }, webhook: { url: refusing.url, secret_env: 'IT_WEBHOOK_SECRET' } },
    ];
    writeFileSync(join(customersDir, customerId, 'automations.yaml'), stringify({ workflows }));
    erasedEvents = eventsOf(customerId, erased);
    keptEvents = eventsOf(customerId, kept);
    reportPositions = await topicPositions(env.kafkaBrokers, TOPICS.privacyErasureReports);
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.automationTrigger);
    // Two instances: the request reaches both, and is applied once.
    await start();
    await start();
  });

  afterAll(async () => {
    await stopAll();
    await healthy.close();
    await failing.close();
    await refusing.close();
    await db.end();
  });

  it("anonymises the subject's trigger rows and cancels its pending delivery, once across two instances, reports it, and leaves the other subject's triggers alone", async () => {
    await produceEvents(env, [...erasedEvents, ...keptEvents]);
    await waitFor(async () => healthy.received.length, (n) => n === 4, { what: 'the four landing webhooks (two per person)' });
    // Both checkout triggers pending: attempted, failed, waiting for their next attempt.
    await waitFor(
      async () => [...(await rowsOf([erasedEvents[1] as TrackingEvent])), ...(await rowsOf([keptEvents[1] as TrackingEvent]))],
      (rows) => rows.length === 2 && rows.every((row) => row.delivery_status === 'pending'),
      { what: 'both checkout triggers pending' },
    );
    await waitFor(async () => failing.received.length, () => mentions(failing.received, erased).length > 0 && mentions(failing.received, kept).length > 0, { what: 'a failed attempt of each checkout trigger' });
    // Both refused triggers dead and on the dead-letter topic.
    const refused = [erasedEvents[3] as TrackingEvent, keptEvents[3] as TrackingEvent];
    await waitFor(() => rowsOf(refused), (rows) => rows.length === 2 && rows.every((row) => row.delivery_status === 'dead' && row.dead_lettered_at !== null), { what: 'both refused triggers dead-lettered' });
    const keptBefore = await rowsOf(keptEvents);
    expect(keptBefore).toHaveLength(4);

    const request: ErasureRequestRecord = {
      request_id: `it-erasure-${randomUUID()}`,
      customer_id: customerId,
      requested_at: Date.now(),
      requested_by: 'automation-erasure integration test',
      visitor_hks: [subjectHash(customerId, erased.visitor)],
      // The other device is named only through the user id, as the vault's linked-id search would also name it.
      user_hks: [subjectHash(customerId, erased.user)],
    };
    const publisher = new ErasurePublisher(testKafka(env.kafkaBrokers, 'it-erasure-publisher'), new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl)));
    const started = Date.now();
    try {
      await publisher.publish(request);
    } finally {
      await publisher.disconnect();
    }

    const key = erasureReportKey(request.request_id, 'automation-trigger');
    const reports = await readTopic<ErasureReport>(env, TOPICS.privacyErasureReports, reportPositions, (records) => records.some((record) => record.key === key && record.value.state === 'done'), 30_000);
    const report = reports.find((record) => record.key === key && record.value.state === 'done')?.value;
    process.stderr.write(`erasure report after ${Date.now() - started} ms: ${JSON.stringify(report)}\n`);
    expect(report).toMatchObject({ request_id: request.request_id, customer_id: customerId, place: 'automation-trigger', state: 'done', found: 4, removed: 4 });
    expect(report?.detail).toContain('1 pending deliveries cancelled');

    // No row of this customer, nor any of its delivery attempts, holds anything of the erased person.
    const texts = await rowTexts();
    expect(texts).toHaveLength(8);
    for (const trace of tracesOf(erased, erasedEvents)) expect(texts.filter((row) => row.text.includes(trace)).map((row) => row.trigger_id)).toEqual([]);
    const anonymised = await db.query<{ delivery_status: string; payload: unknown; idempotency_key: string }>(
      `SELECT delivery_status, payload, idempotency_key FROM automation.triggers WHERE customer_id = $1 AND erased_at IS NOT NULL ORDER BY seq`,
      [customerId],
    );
    expect(anonymised.rows.map((row) => row.delivery_status).sort()).toEqual(['cancelled', 'dead', 'delivered', 'delivered']);
    expect(anonymised.rows.every((row) => JSON.stringify(row.payload) === '{"erased":true}' && row.idempotency_key.startsWith('erased:'))).toBe(true);

    // The other person's rows are as they were.
    const keptAfter = await rowsOf(keptEvents);
    expect(keptAfter.map((row) => [row.trigger_id, row.payload, row.erased_at])).toEqual(keptBefore.map((row) => [row.trigger_id, row.payload, null]));
    for (const trace of [kept.visitor, kept.otherVisitor, kept.secret]) expect(texts.some((row) => row.text.includes(trace))).toBe(true);

    // Applied once across the two instances, and its report sent once.
    // (The report goes out before the row says so.)
    const applied = await waitFor(
      async () =>
        (
          await db.query<{ found: number; removed: number; cancelled: number; reported: boolean }>(
            `SELECT found, removed, cancelled, reported_at IS NOT NULL AS reported FROM automation.erasures WHERE request_id = $1`,
            [request.request_id],
          )
        ).rows,
      (rows) => rows[0]?.reported === true,
      { what: 'the erasure marked reported' },
    );
    expect(applied).toEqual([{ found: 4, removed: 4, cancelled: 1, reported: true }]);
    expect(reports.filter((record) => record.key === key)).toHaveLength(1);

    // The erased dead trigger cannot be redelivered by hand: it is not found.
    const [erasedDead] = (
      await db.query<{ trigger_id: string }>(`SELECT trigger_id FROM automation.triggers WHERE customer_id = $1 AND erased_at IS NOT NULL AND delivery_status = 'dead'`, [customerId])
    ).rows;
    const redelivery = await fetch(`${services[0]?.url}/api/v1/automations/${customerId}/deliveries/${erasedDead?.trigger_id}/redeliver`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(redelivery.status).toBe(404);

    // The failing endpoint recovers: the other person's pending trigger is delivered, the erased one's never sent.
    const attemptsBefore = failing.received.length;
    failingAnswers = 200;
    const [keptCheckout] = await waitFor(() => rowsOf([keptEvents[1] as TrackingEvent]), (rows) => rows[0]?.delivery_status === 'delivered', { what: "the other person's checkout trigger delivered", timeoutMs: 20_000 });
    expect(keptCheckout?.delivery_status).toBe('delivered');
    expect(mentions(failing.received.slice(attemptsBefore), erased)).toEqual([]);
    expect(mentions(failing.received.slice(attemptsBefore), kept)).toHaveLength(1);

    // An instance whose erasure list had not heard of the request yet would still try to record a new
    // trigger of the person: the insert refuses it (it checks the erased hashes under the customer's lock).
    const late = { ...(erasedEvents[0] as TrackingEvent), event_id: `late-${randomUUID()}`, occurred_at: Date.now() };
    const lateKey = triggerIdempotencyKey(late);
    const lagging = new TriggerRepository(db);
    const recorded = await lagging.record([
      {
        trigger: {
          trigger_id: triggerId(customerId, 'landing', lateKey),
          idempotency_key: lateKey,
          customer_id: customerId,
          workflow_id: 'landing',
          trigger_type: 'site_page_view',
          event_id: late.event_id,
          event_type: late.event_type,
          event_name: late.event_name,
          session_id: late.session_id,
          visitor_id: late.visitor_id,
          page_url: late.page_url,
          occurred_at: late.occurred_at,
          properties: late.event_data,
        },
        webhookUrl: healthy.url,
        // Named by its user only: the visitor's hash is not among the request's.
        subject: { visitorHk: subjectHash(customerId, `unlisted-${randomUUID()}`), userHk: subjectHash(customerId, erased.user) },
      },
    ]);
    expect(recorded).toBe(0);
    expect((await rowTexts()).filter((row) => row.text.includes(late.event_id))).toEqual([]);

    // Live: a new event of the erased person fires nothing, one of the other fires.
    const liveErased = buildEvents(customerId, [{ event_type: 'page_view', page_url: 'https://shop.example/landing/again', session_id: erased.session, visitor_id: erased.visitor }]);
    const liveKept = buildEvents(customerId, [{ event_type: 'page_view', page_url: 'https://shop.example/landing/again', session_id: kept.session, visitor_id: kept.visitor }]);
    await produceEvents(env, [...liveErased, ...liveKept]);
    await caughtUp();
    expect(await rowsOf(liveErased)).toEqual([]);
    expect(await rowsOf(liveKept)).toHaveLength(1);
    await waitFor(async () => healthy.received.length, (n) => n === 5, { what: "the other person's live webhook" });
    expect(mentions(healthy.received.slice(4), erased)).toEqual([]);
  });

  it('fires nothing for the erased subject and nothing twice for the other when the group replays the topic from the beginning', async () => {
    await caughtUp();
    await waitFor(() => rowTexts(), (rows) => rows.length === 9 && rows.every((row) => !row.text.includes('"delivery_status":"pending"')), { what: 'every trigger settled before the replay' });
    const before = await rowTexts();
    const webhooksBefore = { healthy: healthy.received.length, failing: failing.received.length };

    await stopAll();
    const admin = testKafka(env.kafkaBrokers).admin();
    await admin.connect();
    try {
      await admin.resetOffsets({ groupId, topic: TOPICS.trackingEvents, earliest: true });
    } finally {
      await admin.disconnect();
    }
    const replaying = await start();
    const ready = (await (await fetch(`${replaying.url}/readyz`)).json()) as { checks: Record<string, { status: string }> };
    await caughtUp();

    // The erasure list is one of the readiness checks; the consumer started only once it was read.
    expect(ready.checks['erasures']).toBeDefined();
    expect(await rowTexts()).toEqual(before);
    for (const trace of tracesOf(erased, erasedEvents)) expect((await rowTexts()).filter((row) => row.text.includes(trace))).toEqual([]);
    expect({ healthy: healthy.received.length, failing: failing.received.length }).toEqual(webhooksBefore);
    const metrics = await (await fetch(`${replaying.url}/metrics`)).text();
    const skipped = Number(/^automation_events_erased_skipped_total(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1]);
    process.stderr.write(`replay: erased-subject events skipped ${skipped}, trigger rows ${before.length} before and after\n`);
    expect(skipped).toBeGreaterThanOrEqual(4);
    // The request, read again at start, was recognised as applied: not applied a second time.
    expect(Number(/^automation_erasures_applied_total(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1])).toBe(0);
  });
});
