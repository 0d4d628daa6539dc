import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { Webhook } from 'standardwebhooks';
import { stringify } from 'yaml';
import { CONSUMER_SUBSCRIPTIONS, DEAD_LETTER_HEADERS, TOPICS, triggerIdempotencyKey, type TrackingEvent } from '@tracking/contracts';
import { TEST_ADMIN_TOKEN, startAutomationTrigger, type RunningService } from '@test/support/in-process-services';
import { groupLag, positionGroup, waitForCommittedPast } from '@test/support/kafka-inspection';
import { startPipeline } from '@test/support/pipeline';
import { applyTestCustomers, customersDirectory, writeTestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { readTopic, topicPositions, type Positions } from '@test/support/topic-reader';
import { buildEvents, produceEvents } from '@test/support/vault-fixtures';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '@test/support/webhook-receiver';
import { waitFor } from '@test/support/wait-for';
import { testKafka } from '@test/support/test-kafka';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const TOPICS_READ = CONSUMER_SUBSCRIPTIONS.automationTrigger;

/** A workflow on page views under /landing/ of the holiday campaign, delivered to `url`. */
function holidayWorkflow(url: string): Record<string, unknown> {
  return {
    id: 'holiday_landing',
    trigger: 'site_page_view',
    filters: { url_path: { prefix: '/landing/' }, properties: { utm_campaign: 'holiday_2024' } },
    webhook: { url, secret_env: 'IT_WEBHOOK_SECRET' },
  };
}

function pageView(customerId: string, path: string, campaign: string, session = `s-${randomUUID()}`, occurredAt = new Date().toISOString()): TrackingEvent {
  const [event] = buildEvents(customerId, [
    { event_type: 'page_view', event_name: 'Landing', page_url: `https://shop.example${path}?utm_campaign=${campaign}`, session_id: session, occurred_at: occurredAt },
  ]);
  return event as TrackingEvent;
}

const signedBy = (webhook: ReceivedWebhook) => new Webhook(SECRET).verify(webhook.body, webhook.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };

describe('automation trigger (real Kafka, PostgreSQL and HTTP receivers)', () => {
  const env = testEnvironment();
  const db = new Pool({ connectionString: env.databaseUrl, max: 3 });
  const customersDir = customersDirectory();
  const groupId = `it-automation-${randomUUID()}`;
  const settings = { IT_WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_SCHEDULE: '300ms,900ms', WEBHOOK_TIMEOUT_MS: '1000', AUTOMATIONS_RELOAD_SECONDS: '1' };
  const receivers: WebhookReceiver[] = [];
  let service: RunningService | undefined;
  const serviceUrl = () => {
    if (!service) throw new Error('the shared automation-trigger is not running');
    return service.url;
  };
  let triggerPositions: Positions;
  let deadLetterPositions: Positions;

  /** A customer of this test, applied to the shared customer topic the service follows. */
  const mine: string[] = [];
  const customer = async (options: Parameters<typeof writeTestCustomer>[1] = {}, id?: string) => {
    const written = writeTestCustomer(customersDir, options, id).id;
    if (!mine.includes(written)) mine.push(written);
    await applyTestCustomers(env, customersDir, [written]);
    return written;
  };
  const receiver = async (respond?: Parameters<typeof startWebhookReceiver>[0]) => {
    const started = await startWebhookReceiver(respond);
    receivers.push(started);
    return started;
  };
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${serviceUrl()}/api/v1/automations/${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
  const installWorkflows = async (customerId: string, workflows: unknown[]) => {
    const response = await admin(`${customerId}/workflows`, { method: 'PUT', body: JSON.stringify({ workflows }) });
    expect(response.status).toBe(200);
  };
  /**
   * The group has committed past everything on the topic now. Triggers are recorded before the
   * offsets are committed, so from then on no record produced before the call fires anything more.
   */
  const caughtUp = async (group = groupId) =>
    waitForCommittedPast(env.kafkaBrokers, group, TOPICS.trackingEvents, await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents));
  const triggersOf = async (customerId: string) =>
    (
      await db.query<{ trigger_id: string; idempotency_key: string; delivery_status: string; attempts: number; published_at: Date | null }>(
        `SELECT trigger_id, idempotency_key, delivery_status, attempts, published_at FROM automation.triggers WHERE customer_id = $1 ORDER BY seq`,
        [customerId],
      )
    ).rows;

  beforeAll(async () => {
    triggerPositions = await topicPositions(env.kafkaBrokers, TOPICS.automationTriggers);
    deadLetterPositions = await topicPositions(env.kafkaBrokers, TOPICS.automationTriggerDeadLetter);
    await positionGroup(env.kafkaBrokers, groupId, TOPICS_READ);
    service = await startAutomationTrigger(env, groupId, undefined, settings);
  });

  afterAll(async () => {
    await service?.close();
    for (const started of receivers) await started.close();
    await db.end();
  });

  it('fires a matching page view once, published and delivered signed; a non-matching one fires nothing; a duplicate (also one retried with a shifted occurred_at) fires nothing new', async () => {
    const customerId = await customer();
    const hooks = await receiver();
    await installWorkflows(customerId, [holidayWorkflow(hooks.url)]);
    const matching = pageView(customerId, '/landing/winter', 'holiday_2024');
    const otherCampaign = pageView(customerId, '/landing/winter', 'spring_2025');
    const otherPath = pageView(customerId, '/pricing', 'holiday_2024');
    await produceEvents(env, [matching, otherCampaign, otherPath]);
    await produceEvents(env, [matching]);
    // A client's retry with a new sent_at: the same event id, its skew-corrected occurred_at a few ms off.
    await produceEvents(env, [{ ...matching, occurred_at: matching.occurred_at + 7 }]);

    await waitFor(async () => hooks.received.length, (n) => n === 1, { what: 'the webhook' });
    await caughtUp();
    const key = triggerIdempotencyKey(matching);
    const recorded = await waitFor(() => triggersOf(customerId), (rows) => rows.every((row) => row.delivery_status === 'delivered' && row.published_at), { what: 'trigger settled' });
    expect(recorded.map((row) => row.idempotency_key)).toEqual([key]);
    expect(recorded[0]?.attempts).toBe(1);

    const [webhook] = hooks.received;
    expect(webhook?.headers['webhook-id']).toBe(key);
    const payload = signedBy(webhook as ReceivedWebhook);
    expect(payload.type).toBe('site_page_view');
    expect(payload.data).toMatchObject({ customer_id: customerId, workflow_id: 'holiday_landing', event_id: matching.event_id, idempotency_key: key });
    expect(payload.data['properties']).toMatchObject({ utm_campaign: 'holiday_2024' });

    const published = await readTopic<{ trigger_id: string; customer_id: string }>(env, TOPICS.automationTriggers, triggerPositions, (records) =>
      records.some((record) => record.value.customer_id === customerId),
    );
    const mine = published.filter((record) => record.value.customer_id === customerId);
    expect(mine.map((record) => record.key)).toEqual([key]);
    expect(mine[0]?.headers['ce_id']).toBe(recorded[0]?.trigger_id);

    // Nothing else arrives: the group committed past the duplicates above, and the one trigger they
    // recorded was delivered once (attempts 1), so nothing is left to send.
    expect(hooks.received).toHaveLength(1);
  });

  it('retries a receiver that answers 500 twice, with growing delays, and delivers the one trigger on the third attempt', async () => {
    const customerId = await customer();
    const hooks = await receiver((index) => (index < 2 ? 500 : 200));
    await installWorkflows(customerId, [holidayWorkflow(hooks.url)]);
    const event = pageView(customerId, '/landing/a', 'holiday_2024');
    await produceEvents(env, [event]);

    await waitFor(async () => hooks.received.length, (n) => n === 3, { what: 'three attempts', timeoutMs: 20_000 });
    const [first, second, third] = hooks.received.map((webhook) => webhook.receivedAt);
    expect((third as number) - (second as number)).toBeGreaterThan((second as number) - (first as number));
    expect(new Set(hooks.received.map((webhook) => webhook.headers['webhook-id']))).toEqual(new Set([triggerIdempotencyKey(event)]));
    for (const webhook of hooks.received) expect(signedBy(webhook).data['event_id']).toBe(event.event_id);

    const [trigger] = await waitFor(() => triggersOf(customerId), (rows) => rows[0]?.delivery_status === 'delivered', { what: 'delivered' });
    expect(await triggersOf(customerId)).toHaveLength(1);
    const listed = (await (await admin(`${customerId}/deliveries`)).json()) as { deliveries: Array<{ trigger_id: string; attempt_log: Array<{ status_code: number }> }> };
    expect(listed.deliveries).toHaveLength(1);
    expect(listed.deliveries[0]?.trigger_id).toBe(trigger?.trigger_id);
    expect(listed.deliveries[0]?.attempt_log.map((attempt) => attempt.status_code)).toEqual([500, 500, 200]);
  });

  it('dead-letters a trigger whose receiver always fails, and redelivers it by hand', async () => {
    const customerId = await customer();
    let healthy = false;
    const hooks = await receiver(() => (healthy ? 200 : 503));
    await installWorkflows(customerId, [holidayWorkflow(hooks.url)]);
    const event = pageView(customerId, '/landing/b', 'holiday_2024');
    await produceEvents(env, [event]);

    const [dead] = await waitFor(() => triggersOf(customerId), (rows) => rows[0]?.delivery_status === 'dead', { what: 'dead trigger', timeoutMs: 20_000 });
    expect(hooks.received).toHaveLength(3);
    const letters = await readTopic<{ customer_id: string; trigger_id: string }>(env, TOPICS.automationTriggerDeadLetter, deadLetterPositions, (records) =>
      records.some((record) => record.value.customer_id === customerId),
    );
    const letter = letters.find((record) => record.value.customer_id === customerId);
    expect(letter?.key).toBe(triggerIdempotencyKey(event));
    expect(letter?.value.trigger_id).toBe(dead?.trigger_id);
    expect(letter?.headers[DEAD_LETTER_HEADERS.reason]).toBe('HTTP 503');
    expect(letter?.headers[DEAD_LETTER_HEADERS.attempts]).toBe('3');

    healthy = true;
    const redelivery = await admin(`${customerId}/deliveries/${encodeURIComponent(dead?.trigger_id ?? '')}/redeliver`, { method: 'POST' });
    expect(redelivery.status).toBe(202);
    await waitFor(() => triggersOf(customerId), (rows) => rows[0]?.delivery_status === 'delivered', { what: 'redelivered' });
    expect(hooks.received).toHaveLength(4);
    expect(hooks.received[3]?.headers['webhook-id']).toBe(triggerIdempotencyKey(event));
    expect((await admin(`${customerId}/deliveries/nope/redeliver`, { method: 'POST' })).status).toBe(404);
  });

  it("delivers a session's triggers in order even when one has to be retried", async () => {
    const customerId = await customer();
    const hooks = await receiver((index) => (index === 0 ? 500 : 200));
    await installWorkflows(customerId, [holidayWorkflow(hooks.url)]);
    const start = Date.now() - 60_000;
    const session = `s-${randomUUID()}`;
    const events = [0, 1, 2].map((i) => pageView(customerId, `/landing/step-${i}`, 'holiday_2024', session, new Date(start + i * 1000).toISOString()));
    await produceEvents(env, events);

    await waitFor(async () => hooks.received.length, (n) => n === 4, { what: 'four requests' });
    const keys = events.map((event) => triggerIdempotencyKey(event));
    expect(hooks.received.map((webhook) => webhook.headers['webhook-id'])).toEqual([keys[0], keys[0], keys[1], keys[2]]);
  });

  it('keeps delivering to other endpoints while one endpoint hangs, and holds at most 4 requests open to it', async () => {
    const customerId = await customer();
    const hanging = await receiver(() => 'hold');
    const healthy = await receiver();
    await installWorkflows(customerId, [holidayWorkflow(hanging.url), { ...holidayWorkflow(healthy.url), id: 'healthy', filters: { url_path: '/healthy' } }]);
    const stuck = Array.from({ length: 8 }, (_, i) => pageView(customerId, `/landing/${i}`, 'holiday_2024'));
    await produceEvents(env, stuck);
    await waitFor(async () => hanging.received.length, (n) => n >= 4, { what: 'the hanging endpoint busy' });
    await produceEvents(env, [pageView(customerId, '/healthy', 'any')]);

    await waitFor(async () => healthy.received.length, (n) => n === 1, { what: 'the healthy endpoint served' });
    expect(hanging.maxOpen()).toBeLessThanOrEqual(4);
    for (const response of hanging.held) response.destroy();
  });

  it('keeps consuming but fires nothing while tracking.automation.enabled is off for the customer', async () => {
    const customerId = await customer({ flags: { 'tracking.automation.enabled': false } });
    const hooks = await receiver();
    await installWorkflows(customerId, [holidayWorkflow(hooks.url)]);
    await produceEvents(env, [pageView(customerId, '/landing/off', 'holiday_2024')]);
    await caughtUp();
    expect(await triggersOf(customerId)).toEqual([]);

    // The flag applied to the shared configuration; saving the workflows keeps it (the service reads up to it first).
    await customer({ flags: { 'tracking.automation.enabled': true } }, customerId);
    await installWorkflows(customerId, [holidayWorkflow(hooks.url)]);
    await produceEvents(env, [pageView(customerId, '/landing/on', 'holiday_2024')]);
    await waitFor(async () => hooks.received.length, (n) => n === 1, { what: 'webhook after re-enabling' });
    expect(await triggersOf(customerId)).toHaveLength(1);

    // Off again, so the replay below does not fire the event that was sent while off.
    await customer({ flags: { 'tracking.automation.enabled': false } }, customerId);
    await installWorkflows(customerId, [holidayWorkflow(hooks.url)]);
  });

  it('refuses a bad subscription with an error naming the field, and keeps the workflows it had', async () => {
    const customerId = await customer();
    const hooks = await receiver();
    await installWorkflows(customerId, [holidayWorkflow(hooks.url)]);
    const response = await admin(`${customerId}/workflows`, {
      method: 'PUT',
      body: JSON.stringify({ workflows: [{ id: 'broken', trigger: 'site_page_view', filters: { url_path: { regex: '.*' } }, webhook: { url: 'ftp://x', secret_env: 'IT_WEBHOOK_SECRET' } }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error_code: string; error: string; details: Array<{ field: string }> };
    expect(body.error_code).toBe('INVALID_REQUEST');
    expect(body.details.map((detail) => detail.field)).toEqual(['workflows[0].filters.url_path', 'workflows[0].webhook.url']);
    const current = (await (await admin(`${customerId}/workflows`)).json()) as { workflows: Array<{ id: string }> };
    expect(current.workflows.map((workflow) => workflow.id)).toEqual(['holiday_landing']);
    expect((await fetch(`${serviceUrl()}/api/v1/automations/${customerId}/workflows`)).status).toBe(401);
  });

  it('fires zero new triggers and sends zero new webhooks when the group is reset and the whole topic replayed', async () => {
    const customerId = await customer();
    const hooks = await receiver();
    await installWorkflows(customerId, [holidayWorkflow(hooks.url)]);
    await produceEvents(env, [pageView(customerId, '/landing/replay', 'holiday_2024'), pageView(customerId, '/landing/replay2', 'holiday_2024')]);
    await waitFor(async () => hooks.received.length, (n) => n === 2, { what: 'two webhooks before the replay' });
    await caughtUp();
    // This file's customers: the shared customer topic may hold other tests' customers, whose earlier
    // triggers live in other runs' databases.
    const countMine = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM automation.triggers WHERE customer_id = ANY($1)`, [mine])).rows[0]?.n;
    const before = await countMine();

    await service?.close();
    service = undefined;
    const kafkaAdmin = testKafka(env.kafkaBrokers).admin();
    await kafkaAdmin.connect();
    await kafkaAdmin.resetOffsets({ groupId, topic: TOPICS.trackingEvents, earliest: true });
    await kafkaAdmin.disconnect();
    expect(await groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents)).toBeGreaterThan(0);

    service = await startAutomationTrigger(env, groupId, undefined, settings);
    await caughtUp();
    expect(await countMine()).toBe(before);
    // Nothing left to send: both triggers delivered, so no later webhook can follow the two.
    const settled = await waitFor(() => triggersOf(customerId), (rows) => rows.every((row) => row.delivery_status === 'delivered'), { what: 'triggers settled after the replay' });
    expect(settled).toHaveLength(2);
    expect(hooks.received).toHaveLength(2);
    const metrics = await (await fetch(`${serviceUrl()}/metrics`)).text();
    expect(Number(/^automation_triggers_deduplicated_total(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
  });

  it('redelivers under the same webhook-id, and never fires a second trigger, when killed (SIGKILL) between delivery and recording it', async () => {
    // Alone: the shared instance would otherwise take part in the delivery.
    await service?.close();
    service = undefined;
    const customerId = await customer();
    const hooks = await receiver((index) => (index === 0 ? 'hold' : 200));
    writeFileSync(join(customersDir, customerId, 'automations.yaml'), stringify({ workflows: [holidayWorkflow(hooks.url)] }));
    const { 'automation-trigger': killable } = await startPipeline({
      name: 'it-automation-kill',
      services: ['automation-trigger'],
      customersDir,
      settings: { 'automation-trigger': { ...settings, AUTOMATION_TRIGGER_SESSION_TIMEOUT_MS: '6000' } },
    });
    const event = pageView(customerId, '/landing/kill', 'holiday_2024');
    try {
      await produceEvents(env, [event]);
      await waitFor(async () => hooks.received.length, (n) => n === 1, { what: 'the first delivery' });
    } finally {
      await killable.kill();
    }
    for (const response of hooks.held) response.destroy();

    await killable.restart();
    try {
      await waitFor(() => triggersOf(customerId), (rows) => rows[0]?.delivery_status === 'delivered', { what: 'redelivered after the kill', timeoutMs: 40_000 });
      await caughtUp(killable.group);
      expect(await triggersOf(customerId)).toHaveLength(1);
      expect(hooks.received).toHaveLength(2);
      expect(hooks.received.map((webhook) => webhook.headers['webhook-id'])).toEqual([triggerIdempotencyKey(event), triggerIdempotencyKey(event)]);
    } finally {
      await killable.stop();
    }
  });
});
