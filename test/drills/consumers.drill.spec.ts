import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Pool } from 'pg';
import { TOPICS } from '@tracking/contracts';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { printBooks } from '@test/support/drill-books';
import { EXPORTER_ON_STACK_S3, TEST_ADMIN_TOKEN } from '@test/support/in-process-services';
import { uncommitted } from '@test/support/kafka-inspection';
import { startPipeline, type ConsumerHandle, type Pipeline } from '@test/support/pipeline';
import { produceAgain, readCustomerRecords } from '@test/support/record-duplicates';
import { testS3Export, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { topicPositions, type Positions } from '@test/support/topic-reader';
import { startWebhookReceiver, type WebhookReceiver } from '@test/support/webhook-receiver';
import { waitFor } from '@test/support/wait-for';

/**
 * Issue 9's consumer drill: events flow through the real gateway while each consumer service is
 * SIGKILLed and restarted twice and a slice of the log is produced again byte for byte; then the
 * books must balance: every acknowledged event once in the vault, once in the export, and each
 * matching page view one trigger.
 */

const TOTAL_EVENTS = 3000;
/** The sender spreads its requests over this long, so the kills land while events flow. */
const SEND_MS = 15_000;
const SENDERS = 6;
const BULK_SIZE = 40;
const SINGLES_PER_BULK = 8;
const DUPLICATES = 400;
/** Small objects, so the exporter closes and writes objects while it is being killed. */
const RECORDS_PER_OBJECT = 150;
const ENDPOINT_CONCURRENCY = 4;
/**
 * How long each service may take to work through the topic after the last kill. The loader reads
 * every customer's records of the shared topic, so other tests' traffic at the same time counts too.
 */
const CATCH_UP_MS = 75_000;
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const TOPIC = TOPICS.trackingEvents;

interface DrillEvent {
  event_id: string;
  event_type: string;
  event_name?: string;
  page_url: string;
  session_id: string;
  occurred_at: string;
  event_data: Record<string, unknown>;
}

type Request = { kind: 'single'; event: DrillEvent } | { kind: 'bulk'; events: DrillEvent[] };

/**
 * Every third event is a page view, every other one of those under /landing/ (the workflow's
 * filter). occurred_at is unique per event, so each page view has an idempotency key of its own.
 */
function drillEvents(run: string): DrillEvent[] {
  const base = Date.now() - 60_000;
  return Array.from({ length: TOTAL_EVENTS }, (_, index) => {
    const pageView = index % 3 === 0;
    return {
      event_id: `drill-${run}-${index}`,
      event_type: pageView ? 'page_view' : 'button_click',
      ...(pageView ? {} : { event_name: 'cta_clicked' }),
      page_url: `https://drill.example/${pageView && index % 2 === 0 ? 'landing' : 'pricing'}/${index}`,
      session_id: `drill-${run}-s${index % 60}`,
      occurred_at: new Date(base + index * 5).toISOString(),
      event_data: { index },
    };
  });
}

const isMatching = (event: DrillEvent) => event.event_type === 'page_view' && new URL(event.page_url).pathname.startsWith('/landing/');

function requestsOf(events: DrillEvent[]): Request[] {
  const requests: Request[] = [];
  for (let next = 0; next < events.length; ) {
    requests.push({ kind: 'bulk', events: events.slice(next, next + BULK_SIZE) });
    next += BULK_SIZE;
    for (const event of events.slice(next, next + SINGLES_PER_BULK)) requests.push({ kind: 'single', event });
    next += SINGLES_PER_BULK;
  }
  return requests;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A consumer service of the pipeline that the drill kills and restarts; it keeps the count. */
class KilledService {
  /** Records the process had consumed when it was killed, one entry per kill. */
  readonly killedAfter: number[] = [];

  constructor(
    readonly service: ConsumerHandle,
    private readonly consumedMetric: string,
  ) {}

  /** What this process (since its start) has read from Kafka, from its own metrics. */
  async consumed(): Promise<number> {
    const text = await (await fetch(`${this.service.url}/metrics`)).text();
    const pattern = new RegExp(`^${this.consumedMetric}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)$`, 'gm');
    return [...text.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
  }

  /**
   * SIGKILL once the process has consumed `records` records, i.e. while it works through batches
   * (or when `giveUp` resolves, for a process that found nothing more to read), then a restart in
   * the same group, which reads again from the last commit.
   */
  async killWhileBusy(records: number, giveUp: Promise<unknown>): Promise<void> {
    let idle = false;
    void giveUp.then(() => (idle = true));
    let consumed = 0;
    while (!idle) {
      consumed = await this.consumed().catch(() => consumed);
      if (consumed >= records) break;
      await sleep(20);
    }
    await this.service.kill();
    this.killedAfter.push(consumed);
    await this.service.restart();
  }
}

describe('fault drill: consumers SIGKILLed while events flow, duplicates on the log', () => {
  const env = testEnvironment();
  const db = new Pool({ connectionString: env.databaseUrl, max: 3 });
  const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  const run = randomBytes(4).toString('hex');
  // A customers directory holding only the drill's customer: no other customer is exported or matched.
  const customersDir = mkdtempSync(join(tmpdir(), 'drill-customers-'));
  const clientBucket = `drill-${run}-client`;
  const backupBucket = `drill-${run}-backup`;
  const prefix = 'drill/events';
  let customer: TestCustomer;
  let start: Positions;
  let pipeline: Pipeline | undefined;
  let hooks: WebhookReceiver | undefined;
  let vault: KilledService;
  let automation: KilledService;
  let exporter: KilledService;

  const configureCustomer = (webhookUrl: string): TestCustomer =>
    writeTestCustomer(customersDir, {
      apiRateLimit: 1_000_000,
      s3Export: testS3Export({ clientBucket, backupBucket, prefix: prefix, schedule: 'daily' }),
      landingWebhookUrl: webhookUrl,
    });

  let setupSeconds = 0;

  beforeAll(async () => {
    const setupBegan = Date.now();
    hooks = await startWebhookReceiver();
    customer = configureCustomer(hooks.url);
    await s3.send(new CreateBucketCommand({ Bucket: clientBucket }));
    await s3.send(new CreateBucketCommand({ Bucket: backupBucket }));
    // Each service's fresh group is placed at the topic's end: the shared topic holds every earlier test's events.
    start = await topicPositions(env.kafkaBrokers, TOPIC);
    pipeline = await startPipeline({
      name: 'drill-consumers',
      customersDir,
      settings: {
        gateway: { CUSTOMERS_WATCH: 'false', TRACKING_INGEST_RATE_LIMIT_PER_MINUTE: '1000000', TRACKING_KEY_RATE_LIMIT_PER_MINUTE: '1000000' },
        'vault-loader': { VAULT_LOADER_SESSION_TIMEOUT_MS: '6000' },
        'automation-trigger': {
          IT_WEBHOOK_SECRET: SECRET,
          AUTOMATION_TRIGGER_SESSION_TIMEOUT_MS: '6000',
          WEBHOOK_RETRY_SCHEDULE: '300ms,900ms',
          // The delivery lease is twice this plus a second: room enough that only a kill, never a slow attempt, repeats a delivery.
          WEBHOOK_TIMEOUT_MS: '2000',
          WEBHOOK_ENDPOINT_CONCURRENCY: String(ENDPOINT_CONCURRENCY),
        },
        exporter: { ...EXPORTER_ON_STACK_S3, EXPORTER_MAX_RECORDS_PER_OBJECT: String(RECORDS_PER_OBJECT) },
      },
    });
    vault = new KilledService(pipeline['vault-loader'], 'vault_loader_records_consumed_total');
    automation = new KilledService(pipeline['automation-trigger'], 'automation_records_consumed_total');
    exporter = new KilledService(pipeline.exporter, 'exporter_records_consumed_total');
    setupSeconds = (Date.now() - setupBegan) / 1000;
  }, 90_000);

  afterAll(async () => {
    await pipeline?.stop();
    await hooks?.close();
    await db.end();
    s3.destroy();
  });

  /** Sends every request through the gateway, paced over SEND_MS, adding each event id it acknowledged (2xx, not refused) to `acked`. */
  const send = async (requests: Request[], acked: Set<string>): Promise<{ failedRequests: number }> => {
    const url = pipeline?.gateway.url as string;
    const headers = {
      'content-type': 'application/json',
      'x-customer-id': customer.id,
      authorization: `Bearer ${customer.token}`,
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0',
    };
    const began = Date.now();
    const interval = SEND_MS / requests.length;
    let next = 0;
    let failedRequests = 0;
    const worker = async () => {
      for (let index = next++; index < requests.length; index = next++) {
        const due = began + index * interval;
        if (due > Date.now()) await sleep(due - Date.now());
        const request = requests[index] as Request;
        try {
          if (request.kind === 'single') {
            const response = await fetch(`${url}/api/v1/track`, { method: 'POST', headers, body: JSON.stringify(request.event) });
            const body = (await response.json()) as { event_id?: string; tracking_result?: { allowed: boolean } };
            if (response.ok && body.event_id === request.event.event_id && body.tracking_result?.allowed) acked.add(request.event.event_id);
            else failedRequests++;
          } else {
            const response = await fetch(`${url}/api/v1/track/bulk`, { method: 'POST', headers, body: JSON.stringify({ batch_id: `drill-${run}-${index}`, events: request.events }) });
            const body = (await response.json()) as { errors?: Array<{ index: number }>; dropped?: Array<{ index: number }> };
            if (!response.ok) {
              failedRequests++;
              continue;
            }
            const refused = new Set([...(body.errors ?? []), ...(body.dropped ?? [])].map((entry) => entry.index));
            request.events.forEach((event, position) => {
              if (!refused.has(position)) acked.add(event.event_id);
            });
            if (refused.size > 0) failedRequests++;
          }
        } catch {
          // No answer: the event may or may not be on the log, so it is not in the acknowledged books.
          failedRequests++;
        }
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, worker));
    return { failedRequests };
  };

  /** How many records of the topic, up to `marks`, the service's group has not committed yet. */
  const behind = (service: KilledService, marks: Positions): Promise<number> => uncommitted(env.kafkaBrokers, service.service.group, TOPIC, marks);

  const exportedLines = async (): Promise<string[]> => {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: clientBucket, Prefix: `${prefix}/customer=${customer.id}/`, ContinuationToken: token }));
      for (const entry of page.Contents ?? []) {
        const object = await s3.send(new GetObjectCommand({ Bucket: clientBucket, Key: entry.Key }));
        const text = Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()).toString('utf8');
        for (const line of text.split('\n')) if (line.trim()) ids.push((JSON.parse(line) as { event_id: string }).event_id);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return ids;
  };

  it('balances the books: each acknowledged event once in the vault and the export, each matching page view one trigger', async () => {
    const events = drillEvents(run);
    const byId = new Map(events.map((event) => [event.event_id, event]));
    const requests = requestsOf(events);
    const acked = new Set<string>();
    let duplicatesProduced = 0;
    // Where the time went, printed with the books (never asserted): a slow phase says which service lagged.
    const began = Date.now();
    const phases: string[] = [`setup took ${setupSeconds.toFixed(1)}`];
    const phase = (name: string) => phases.push(`${name} ${((Date.now() - began) / 1000).toFixed(1)}`);

    const sending = send(requests, acked);
    const sent = sending.then(() => undefined);
    const reached = async (fraction: number) => {
      while (acked.size < fraction * TOTAL_EVENTS) {
        if ((await Promise.race([sent.then(() => true), sleep(25).then(() => false)]))) return;
      }
    };
    // Each service dies twice, at different points of the flow and of its own work; a process that
    // has nothing left to read is killed anyway 10 s after the sender is done.
    const idle = sent.then(() => sleep(10_000));
    const chaos = (service: KilledService, plan: Array<[fraction: number, records: number]>) =>
      plan.reduce<Promise<void>>((previous, [fraction, records]) => previous.then(async () => {
        await reached(fraction);
        await service.killWhileBusy(records, idle);
      }), Promise.resolve());
    const duplicating = (async () => {
      await reached(0.5);
      // The oldest records of the drill: their originals are long loaded, exported and fired.
      const records = await readCustomerRecords(env.kafkaBrokers, TOPIC, start, customer.id, DUPLICATES);
      await produceAgain(env.kafkaBrokers, TOPIC, records);
      duplicatesProduced = records.length;
    })();
    const [{ failedRequests }] = await Promise.all([
      sending.then((result) => {
        phase('sent');
        return result;
      }),
      duplicating,
      chaos(vault, [[0.1, 1], [0.5, 400]]),
      chaos(automation, [[0.25, 200], [0.65, 1]]),
      chaos(exporter, [[0.4, 300], [0.8, 50]]),
    ]);

    phase('kills done');
    // Caught up: every group committed past every record on the topic now (records other tests add later do not
    // matter). The three wait side by side; one that does not catch up is reported with the books, not before them.
    const marks = await topicPositions(env.kafkaBrokers, TOPIC);
    const notCaughtUp: string[] = [];
    const settle = async <T>(what: string, probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = CATCH_UP_MS) => {
      try {
        await waitFor(probe, accept, { what, timeoutMs, intervalMs: 250 });
        phase(what);
      } catch (error) {
        notCaughtUp.push((error as Error).message);
      }
    };
    const triggersOf = async () =>
      (
        await db.query<{ idempotency_key: string; event_id: string; delivery_status: string }>(
          `SELECT idempotency_key, event_id, delivery_status FROM automation.triggers WHERE customer_id = $1`,
          [customer.id],
        )
      ).rows;
    await Promise.all([
      settle('vault loader caught up', () => behind(vault, marks), (n) => n === 0),
      settle('automation trigger caught up', () => behind(automation, marks), (n) => n === 0).then(() =>
        settle('every trigger delivered', triggersOf, (rows) => rows.every((row) => row.delivery_status === 'delivered'), 30_000),
      ),
      // Objects of a daily schedule stay open until flushed; the commit follows the flush.
      settle(
        'exporter caught up',
        async () => {
          await fetch(`${exporter.service.url}/api/v1/export/run`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
          return behind(exporter, marks);
        },
        (n) => n === 0,
      ),
    ]);

    const vaultRows = (await db.query<{ event_id: string; n: number }>(`SELECT event_id, count(*)::int AS n FROM raw.site_tracking_events_r WHERE customer_id = $1 GROUP BY event_id`, [customer.id])).rows;
    const vaultCount = new Map(vaultRows.map((row) => [row.event_id, row.n]));
    const lines = await exportedLines();
    const exportCount = new Map<string, number>();
    for (const id of lines) exportCount.set(id, (exportCount.get(id) ?? 0) + 1);
    const triggers = await triggersOf();
    const deliveries = (hooks as WebhookReceiver).received.map((webhook) => String(webhook.headers['webhook-id']));
    const deliveredKeys = new Set(deliveries);
    const ackedIds = [...acked].sort();
    const matchingAcked = ackedIds.filter((id) => isMatching(byId.get(id) as DrillEvent));

    const missingInVault = ackedIds.filter((id) => !vaultCount.has(id));
    const missingInExport = ackedIds.filter((id) => !exportCount.has(id));
    const exportedTwice = [...exportCount].filter(([, n]) => n > 1).map(([id]) => id);
    const triggerKeys = new Set(triggers.map((row) => row.idempotency_key));
    printBooks('consumers killed while events flow', {
      'events sent': events.length,
      'requests (bulk / single)': `${requests.filter((r) => r.kind === 'bulk').length} / ${requests.filter((r) => r.kind === 'single').length}`,
      'events acknowledged': acked.size,
      'requests not acknowledged': failedRequests,
      'duplicate records produced': duplicatesProduced,
      'kills vault-loader (records consumed at kill)': `${vault.killedAfter.length} (${vault.killedAfter.join(', ')})`,
      'kills automation-trigger (records consumed at kill)': `${automation.killedAfter.length} (${automation.killedAfter.join(', ')})`,
      'kills exporter (records consumed at kill)': `${exporter.killedAfter.length} (${exporter.killedAfter.join(', ')})`,
      'vault raw rows': [...vaultCount.values()].reduce((sum, n) => sum + n, 0),
      'distinct ids in vault': vaultCount.size,
      'acknowledged missing in vault': missingInVault.length,
      'exported lines': lines.length,
      'distinct exported ids': exportCount.size,
      'ids exported more than once': exportedTwice.length,
      'acknowledged missing in export': missingInExport.length,
      'acknowledged matching page views': matchingAcked.length,
      'triggers fired': triggers.length,
      'distinct idempotency keys': triggerKeys.size,
      'webhook deliveries': deliveries.length,
      'distinct webhook ids': deliveredKeys.size,
      'webhooks redelivered (same id)': deliveries.length - deliveredKeys.size,
      'records on the topic during the drill (all customers)': [...marks].reduce((sum, [partition, end]) => sum + Number(BigInt(end) - BigInt(start.get(partition) ?? '0')), 0),
      'phases (s since start)': phases.join(', '),
    });

    expect(notCaughtUp).toEqual([]);
    expect(failedRequests).toBe(0);
    expect(acked.size).toBe(events.length);
    expect(duplicatesProduced).toBe(DUPLICATES);
    for (const service of [vault, automation, exporter]) expect(service.killedAfter).toHaveLength(2);

    // Vault: every acknowledged event exactly once, nothing that was not sent.
    expect(missingInVault).toEqual([]);
    expect([...vaultCount].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...vaultCount.keys()].filter((id) => !byId.has(id))).toEqual([]);

    // Export: every acknowledged event in exactly one line of one object.
    expect(missingInExport).toEqual([]);
    expect(exportedTwice).toEqual([]);
    expect([...exportCount.keys()].filter((id) => !byId.has(id))).toEqual([]);

    // Triggers: one per idempotency key, exactly for the matching page views.
    expect(triggerKeys.size).toBe(triggers.length);
    expect(triggers.map((row) => row.event_id).sort()).toEqual(matchingAcked);
    // Webhooks: every trigger delivered under its key; a kill may repeat only the deliveries it interrupted (README, "Outbox").
    expect([...deliveredKeys].sort()).toEqual([...triggerKeys].sort());
    expect(deliveries.length - deliveredKeys.size).toBeLessThanOrEqual(automation.killedAfter.length * ENDPOINT_CONCURRENCY);
  }, 180_000);
});
