import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { automationsYaml, WEBHOOK_SECRET_ENV } from '../automation-subscriptions';
import type { BenchContext } from '../bench-context';
import { createConsumerGroup, timeConsumer } from '../consumer-run';
import { produceEvents, type ProducedRange } from '../event-producer';
import { recordsBetween } from '../kafka-positions';
import type { Measurement } from '../measurement';
import { formatNumber, ratioRow, type BenchRow } from '../results';
import { WebhookReceiver } from '../webhook-receiver';

const CUSTOMER = 'bench_automation';
const DATABASE = 'tracking_bench_automation';
const ONE_SUBSCRIPTION = 1;
/** Rows against one subscription, with the target for each. */
const MANY_SUBSCRIPTIONS = [
  { subscriptions: 1_000, target: 0.8 },
  { subscriptions: 10_000, target: 0.5 },
] as const;

const count = (value: number): string => value.toLocaleString('en-US');

interface Evaluation {
  seconds: number;
  fired: number;
  webhooks: number;
}

async function firedTriggers(databaseUrl: string, empty: boolean): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    if (empty) await client.query('TRUNCATE automation.triggers CASCADE');
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM automation.triggers');
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/**
 * One pass of the automation trigger over the events with `subscriptions` workflows for their
 * customer, from an empty trigger table (so that nothing is deduplicated against the other pass).
 * Timed from the group's first Stable state until the offsets are committed, which the service does
 * once the batch's triggers are recorded; the webhooks it then sends (to a receiver in the bench
 * process) run beside the timing, as they do in production.
 */
async function evaluate(context: BenchContext, databaseUrl: string, range: ProducedRange, subscriptions: number, receiver: WebhookReceiver, secret: string): Promise<Evaluation> {
  writeFileSync(join(context.customersDir, CUSTOMER, 'automations.yaml'), automationsYaml(subscriptions, receiver.url));
  await firedTriggers(databaseUrl, true);
  const groupId = `bench-automation-${subscriptions}-${Date.now()}`;
  await createConsumerGroup(context, groupId, range.from);
  const webhooksBefore = receiver.received;
  context.progress(`automation: ${formatNumber(recordsBetween(range.from, range.to))} events, ${count(subscriptions)} subscription(s)`);
  try {
    const run = await timeConsumer(context, {
      service: 'automation-trigger',
      env: { ...context.serviceEnv(databaseUrl), AUTOMATION_TRIGGER_GROUP_ID: groupId, [WEBHOOK_SECRET_ENV]: secret },
      groupId,
      to: range.to,
    });
    await run.service.stop();
    return { seconds: run.seconds, fired: await firedTriggers(databaseUrl, false), webhooks: receiver.received - webhooksBefore };
  } finally {
    await context.admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

/** Matching cost: the same events evaluated against 1, 1,000 and 10,000 workflows of their customer. */
async function run(context: BenchContext): Promise<BenchRow[]> {
  const receiver = await WebhookReceiver.start();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  try {
    context.writeCustomer(CUSTOMER, {}, { 'automations.yaml': automationsYaml(ONE_SUBSCRIPTION, receiver.url) });
    const databaseUrl = await context.freshDatabase(DATABASE);
    const range = await produceEvents(context, CUSTOMER, context.profile.consumerEvents, 17);
    const events = recordsBetween(range.from, range.to);
    const one = await evaluate(context, databaseUrl, range, ONE_SUBSCRIPTION, receiver, secret);
    const rows: BenchRow[] = [];
    for (const { subscriptions, target } of MANY_SUBSCRIPTIONS) {
      const many = await evaluate(context, databaseUrl, range, subscriptions, receiver, secret);
      rows.push(
        ratioRow(
          `automation, ${count(subscriptions)} subscriptions`,
          { value: events / many.seconds, unit: 'events/s' },
          { what: `the same events with ${ONE_SUBSCRIPTION} subscription (${count(one.fired)} triggers)`, value: events / one.seconds, unit: 'events/s' },
          { kind: 'ratio-at-least', value: target },
          { triggers: count(many.fired), 'webhooks during the run': count(many.webhooks), seconds: formatNumber(many.seconds) },
        ),
      );
    }
    return rows;
  } finally {
    await receiver.stop();
  }
}

export const AUTOMATION: Measurement = { name: 'automation', run };
