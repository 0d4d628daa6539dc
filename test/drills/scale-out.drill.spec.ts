import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parse as parseCsv } from 'csv-parse/sync';
import { Pool } from 'pg';
import { parse as parseYaml, stringify } from 'yaml';
import { TOPICS, siteDomainKey } from '@tracking/contracts';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import type { AppProcess } from '@test/support/app-process';
import { runCli } from '@test/support/cli';
import { printBooks, steps, type Books } from '@test/support/drill-books';
import { startGatewayProcess, type GatewayProcess } from '@test/support/gateway-process';
import { GroupWatch } from '@test/support/group-watch';
import { EXPORTER_ON_STACK_S3, TEST_ADMIN_TOKEN } from '@test/support/in-process-services';
import { uncommitted } from '@test/support/kafka-inspection';
import { consumerGroupLauncher, type ConsumerGroupLauncher, type ConsumerService } from '@test/support/pipeline';
import { startS3WriteRecorder, type S3WriteRecorder } from '@test/support/s3-write-recorder';
import { applyTestCustomers, testS3Export, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { endOffsets, recordsBetween, type EndOffsets } from '@test/support/topic-ledger';
import { topicPositions, type Positions } from '@test/support/topic-reader';
import { startWebhookReceiver, type WebhookReceiver } from '@test/support/webhook-receiver';
import { waitFor } from '@test/support/wait-for';
import { DrillEventSource, isPageViewUnder, type DrillEvent } from '@test/support/drill-events';

/**
 * Issue 17's scale-out drill: two gateways (clients alternate between them) and several instances
 * of each consuming service in one consumer group per service, while events flow steadily: an
 * instance of each service joins, one leaves gracefully (SIGTERM), the customer's configuration
 * changes (a new workflow, another export format, applied with `tracking customers apply`), one is
 * SIGKILLed and started again. Then the books: every acknowledged event once in the vault and in
 * both buckets, no overlapping object and no object written twice, one trigger per key and every
 * matching event triggered, the changed configuration in force on every instance, every group caught
 * up within a minute, and each rebalance's pause.
 */

const DRILL = 'scale-out';
const TOPIC = TOPICS.trackingEvents;
/** Instances of each consumer before the first joins: 3 → 4 (join) → 3 (SIGTERM) → 2 (SIGKILL) → 3 (restart). */
const INSTANCES_AT_START = 3;
/** Small objects, so objects close and upload while the groups change. */
const RECORDS_PER_OBJECT = 100;
/** The issue's bar: every group committed past the flow within a minute after it stops. */
const CATCH_UP_MS = 60_000;
/** How long a configuration change may take to reach every instance ("within seconds"). */
const CONFIG_SPREAD_MS = 20_000;
/** Acknowledged requests between two steps: the flow goes on while and after each group changes. */
const REQUESTS_BETWEEN_STEPS = 120;
const CLIENT_TIMEOUT_MS = 10_000;
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const EXPORT_PREFIX = 'drill/scale-out';
const CONSUMERS: readonly ConsumerService[] = ['vault-loader', 'automation-trigger', 'exporter'];
const run = randomBytes(4).toString('hex');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A membership change: an instance joins, leaves gracefully (SIGTERM) or is SIGKILLed. */
type ChangeKind = 'join' | 'leave' | 'kill';
/** The issue's bar for a group's pause: a graceful leave under 3 s, a SIGKILLed member under 12 s (its session timeout, 8 s, and a rebalance). */
const PAUSE_BOUND_MS: Record<ChangeKind, number> = { join: 3000, leave: 3000, kill: 12_000 };

/** The times end about now, as a live site's would, so the exporter's hourly objects of the current hour stay open. */
const EVENT_TIMES = { startAgoMs: 40 * 60_000, spacingMs: 500, sessions: 48 };

const matchesLanding = (event: DrillEvent): boolean => isPageViewUnder(event, 'landing');
const matchesPricing = (event: DrillEvent): boolean => isPageViewUnder(event, 'pricing');
/** One request the load sent: which gateway, what it answered, which of its events were acknowledged. */
interface Exchange {
  gateway: number;
  status: number | 'timeout' | 'network';
  eventIds: string[];
  acked: string[];
  /** When the request was sent. */
  sentAt: number;
}

/**
 * Single and bulk /track requests from a few clients at once; each request goes to the next
 * gateway in turn, as a load balancer would send them.
 */
class Load {
  readonly exchanges: Exchange[] = [];
  readonly events = new Map<string, DrillEvent>();
  private turn = 0;
  private stopping = false;
  private loops: Array<Promise<void>> = [];

  constructor(
    private readonly gateways: readonly string[],
    private readonly customer: TestCustomer,
    readonly source: DrillEventSource,
  ) {}

  start(options: { singleClients: number; bulkClients: number; bulkSize: number; pauseMs: number }): void {
    const single = async (): Promise<void> => {
      while (!this.stopping) {
        const [event] = this.source.take(1);
        await this.send('/api/v1/track', event, [event]);
        await sleep(options.pauseMs);
      }
    };
    const bulk = async (worker: number): Promise<void> => {
      for (let index = 0; !this.stopping; index += 1) {
        const events = this.source.take(options.bulkSize);
        await this.send('/api/v1/track/bulk', { batch_id: `${this.source.prefix}-b${worker}-${index}`, events }, events);
        await sleep(options.pauseMs * 4);
      }
    };
    this.loops = [...Array.from({ length: options.singleClients }, single), ...Array.from({ length: options.bulkClients }, (_, worker) => bulk(worker))];
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  acked(): Set<string> {
    return new Set(this.exchanges.flatMap((exchange) => exchange.acked));
  }

  /** Resolves once `count` more requests were acknowledged than when it was called. */
  async further(count: number): Promise<void> {
    const from = this.exchanges.filter((exchange) => exchange.acked.length > 0).length;
    await waitFor(async () => this.exchanges.filter((exchange) => exchange.acked.length > 0).length - from, (n) => n >= count, {
      what: `${count} more requests acknowledged`,
      timeoutMs: 60_000,
    });
  }

  private async send(path: string, body: unknown, events: DrillEvent[]): Promise<void> {
    const gateway = this.turn++ % this.gateways.length;
    const sentAt = Date.now();
    const eventIds = events.map((event) => event.event_id);
    for (const event of events) this.events.set(event.event_id, event);
    try {
      const response = await fetch(`${this.gateways[gateway]}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-customer-id': this.customer.id, authorization: `Bearer ${this.customer.token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      const answer = (await response.json().catch(() => ({}))) as { event_id?: string; errors?: Array<{ index: number }>; dropped?: Array<{ index: number }> };
      let acked: string[] = [];
      if (response.status < 300) {
        const refused = new Set([...(answer.errors ?? []), ...(answer.dropped ?? [])].map((entry) => entry.index));
        acked = events.length === 1 && path === '/api/v1/track' ? (answer.event_id === eventIds[0] ? eventIds : []) : eventIds.filter((_, index) => !refused.has(index));
      }
      this.exchanges.push({ gateway, status: response.status, eventIds, acked, sentAt });
    } catch (error) {
      // No answer: the events may or may not be on the log, so none of them is in the acknowledged books.
      this.exchanges.push({ gateway, status: (error as Error).name === 'TimeoutError' ? 'timeout' : 'network', eventIds, acked: [], sentAt });
    }
  }
}

/** The instances of one consumer service, all in the same group, each its own process on its own port. */
class ServiceInstances {
  readonly live: AppProcess[] = [];
  /** Output of instances that are gone, for the error count. */
  private readonly gone: string[] = [];

  constructor(readonly launcher: ConsumerGroupLauncher) {}

  get service(): ConsumerService {
    return this.launcher.service;
  }

  get group(): string {
    return this.launcher.group;
  }

  async add(): Promise<void> {
    this.live.push(await this.launcher.start());
  }

  /** Stops the oldest instance with the signal; resolves once its process is gone. */
  async remove(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const instance = this.live.shift() as AppProcess;
    await instance.stop(signal);
    this.gone.push(instance.output(), instance.errorOutput());
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.live.map((instance) => instance.stop('SIGTERM')));
  }

  /** Lines logged at error level by any instance, live or gone (instances log JSON at LOG_LEVEL error). */
  errorLines(): string[] {
    return [...this.gone, ...this.live.flatMap((instance) => [instance.output(), instance.errorOutput()])]
      .join('\n')
      .split('\n')
      .filter((line) => /"level":("error"|"fatal"|50|60)/.test(line));
  }
}

/** An object the exporter wrote, as its key tells: hour directory, partition, offsets, format. */
interface ObjectKey {
  key: string;
  directory: string;
  partition: number;
  first: bigint;
  last: bigint;
  extension: string;
}

const OBJECT_KEY = /^(.*\/)tracking\.events\.v1\+(\d+)\+(\d+)-(\d+)\.([a-z.]+)$/;

function objectKey(key: string): ObjectKey | undefined {
  const match = OBJECT_KEY.exec(key);
  if (!match) return undefined;
  return { key, directory: match[1] as string, partition: Number(match[2]), first: BigInt(match[3] as string), last: BigInt(match[4] as string), extension: match[5] as string };
}

/** Pairs of objects of one hour directory and partition whose offset ranges overlap. */
function overlaps(objects: readonly ObjectKey[]): string[] {
  const byPartition = new Map<string, ObjectKey[]>();
  for (const object of objects) {
    const slot = `${object.directory}+${object.partition}`;
    byPartition.set(slot, [...(byPartition.get(slot) ?? []), object]);
  }
  const found: string[] = [];
  for (const list of byPartition.values()) {
    const sorted = [...list].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    for (let index = 1; index < sorted.length; index += 1) {
      const previous = sorted[index - 1] as ObjectKey;
      const current = sorted[index] as ObjectKey;
      if (current.first <= previous.last) found.push(`${previous.key.split('/').pop()} and ${current.key.split('/').pop()}`);
    }
  }
  return found;
}

describe('fault drill: scaling out, instances joining, leaving and killed while events flow', () => {
  const env = testEnvironment();
  const db = new Pool({ connectionString: env.databaseUrl, max: 3 });
  const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  const customersDir = mkdtempSync(join(tmpdir(), 'drill-scale-out-customers-'));
  const clientBucket = `drill-scale-${run}`;
  const backupBucket = `drill-scale-${run}-backup`;
  let customer: TestCustomer;
  let hooks: WebhookReceiver | undefined;
  let recorder: S3WriteRecorder | undefined;
  let watch: GroupWatch | undefined;
  const gateways: GatewayProcess[] = [];
  const services: ServiceInstances[] = [];
  let setupMs = 0;
  /** Where billing's site-domain topic ended before the drill: what the exporters publish is after. */
  let domainsBefore: EndOffsets = new Map();

  const customerDir = (): string => join(customersDir, customer.id);

  const configureCustomer = (webhookUrl: string): TestCustomer =>
    writeTestCustomer(customersDir, {
      apiRateLimit: 1_000_000,
      s3Export: testS3Export({ clientBucket, backupBucket, prefix: EXPORT_PREFIX, schedule: 'hourly' }),
      landingWebhookUrl: webhookUrl,
    });

  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  const getJson = async <T>(url: string): Promise<T> => {
    const response = await fetch(url, { headers: admin, signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    return (await response.json()) as T;
  };

  /**
   * The change made mid-flow: a second workflow (page views under /pricing/) and CSV instead of
   * JSON lines, written to the customer's directory and applied as an operator does.
   */
  const applyConfigurationChange = async (webhookUrl: string): Promise<void> => {
    const file = join(customerDir(), 'config.yaml');
    const config = parseYaml(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
    config['s3_export'] = { ...config['s3_export'], format: 'csv' };
    writeFileSync(file, stringify(config));
    writeFileSync(
      join(customerDir(), 'automations.yaml'),
      stringify({
        workflows: [
          { id: 'drill_landing', trigger: 'site_page_view', filters: { url_path: { prefix: '/landing/' } }, webhook: { url: webhookUrl, secret_env: 'IT_WEBHOOK_SECRET' } },
          { id: 'drill_pricing', trigger: 'site_page_view', filters: { url_path: { prefix: '/pricing/' } }, webhook: { url: webhookUrl, secret_env: 'IT_WEBHOOK_SECRET' } },
        ],
      }),
    );
    const applied = await runCli(env, ['customers', 'apply', customersDir, '--by', 'scale-out drill']);
    if (applied.code !== 0) throw new Error(`tracking customers apply exited ${applied.code}: ${applied.stderr.slice(0, 400)}`);
  };

  /** What each live instance says of the changed configuration: the workflows it runs, the export format it writes. */
  const configurationInForce = async (): Promise<string[]> => {
    const [triggers, exporters] = [service('automation-trigger'), service('exporter')];
    const workflowViews = await Promise.all(
      triggers.live.map(async (instance) => {
        const document = await getJson<{ workflows?: Array<{ id: string }> }>(`${instance.url}/api/v1/automations/${customer.id}/workflows`).catch(() => ({ workflows: [] }));
        return `workflows ${(document.workflows ?? []).map((workflow) => workflow.id).join('+')}`;
      }),
    );
    const formatViews = await Promise.all(
      exporters.live.map(async (instance) => {
        const view = await getJson<{ customers: Array<{ format: string }> }>(`${instance.url}/api/v1/export/config?customer_id=${customer.id}`).catch(() => ({ customers: [] }));
        return `format ${view.customers[0]?.format ?? 'unknown'}`;
      }),
    );
    return [...workflowViews, ...formatViews];
  };
  const changed = (views: readonly string[]): boolean => views.every((view) => view === 'workflows drill_landing+drill_pricing' || view === 'format csv');

  function service(name: ConsumerService): ServiceInstances {
    return services.find((candidate) => candidate.service === name) as ServiceInstances;
  }

  beforeAll(async () => {
    const began = Date.now();
    hooks = await startWebhookReceiver();
    customer = configureCustomer(hooks.url);
    for (const bucket of [clientBucket, backupBucket]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    recorder = await startS3WriteRecorder(env.s3Endpoint);
    domainsBefore = await endOffsets(env.kafkaBrokers, [TOPICS.billingSiteDomains]);
    // Every service at its default session timeout (the README's numbers), the exporter included.
    const { EXPORTER_SESSION_TIMEOUT_MS: _sessionTimeout, ...exporterOnS3 } = EXPORTER_ON_STACK_S3;
    const settings: Record<ConsumerService, Record<string, string>> = {
      'vault-loader': {},
      // The receiver always answers 200: an attempt is retried only when a kill interrupted it, or when the instance that leased
      // it has not loaded its workflow yet (a configuration change reaches instances seconds apart): the schedule spans the
      // workflows' reload (AUTOMATIONS_RELOAD_SECONDS, 10 s).
      'automation-trigger': { IT_WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_SCHEDULE: '2s,4s,8s,16s', WEBHOOK_TIMEOUT_MS: '2000' },
      exporter: { ...exporterOnS3, S3_ENDPOINT: recorder.url, EXPORTER_MAX_RECORDS_PER_OBJECT: String(RECORDS_PER_OBJECT) },
    };
    // Every instance reads the customer from the shared topic, as in production.
    await applyTestCustomers(env, customersDir, [customer.id]);
    const launchers = await Promise.all(CONSUMERS.map((name) => consumerGroupLauncher(name, { name: 'drill-scale', env, settings: settings[name] })));
    services.push(...launchers.map((launcher) => new ServiceInstances(launcher)));
    const gatewaySettings = { TRACKING_INGEST_RATE_LIMIT_PER_MINUTE: '1000000', TRACKING_KEY_RATE_LIMIT_PER_MINUTE: '1000000' };
    const started = await Promise.allSettled([
      ...[0, 1].map(async () => gateways.push(await startGatewayProcess(env, gatewaySettings))),
      ...services.flatMap((instances) => Array.from({ length: INSTANCES_AT_START }, () => instances.add())),
    ]);
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    watch = new GroupWatch(env.kafkaBrokers, services.map((instances) => instances.group));
    await watch.start();
    await Promise.all(
      services.map((instances) =>
        waitFor(async () => watch?.now(instances.group), (seen) => seen?.state === 'Stable' && seen.members === INSTANCES_AT_START, {
          what: `${instances.service} group stable with ${INSTANCES_AT_START} members`,
          timeoutMs: 60_000,
        }),
      ),
    );
    setupMs = Date.now() - began;
  }, 180_000);

  afterAll(async () => {
    await watch?.stop();
    await Promise.all([...services.map((instances) => instances.stopAll()), ...gateways.map((gateway) => gateway.stop())]);
    await hooks?.close();
    await recorder?.close();
    await db.end();
    s3.destroy();
  }, 60_000);

  /** Object bodies read so far, by bucket and key (an object written again is written with the same bytes). */
  const bodies = new Map<string, string>();
  const listObjects = async (bucket: string): Promise<ObjectKey[]> => {
    const keys: ObjectKey[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${EXPORT_PREFIX}/customer=${customer.id}/`, ContinuationToken: token }));
      for (const entry of page.Contents ?? []) {
        const parsed = entry.Key ? objectKey(entry.Key) : undefined;
        if (parsed) keys.push(parsed);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  };
  /** The event ids in an object, JSON lines or CSV. */
  const idsIn = async (bucket: string, object: ObjectKey): Promise<string[]> => {
    const cacheKey = `${bucket}/${object.key}`;
    let text = bodies.get(cacheKey);
    if (text === undefined) {
      const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.key }));
      text = Buffer.from(await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()).toString('utf8');
      bodies.set(cacheKey, text);
    }
    if (object.extension === 'csv') return (parseCsv(text, { columns: true }) as Array<{ event_id: string }>).map((row) => row.event_id);
    return text
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => (JSON.parse(line) as { event_id: string }).event_id);
  };
  /** How often each event id is in the bucket's objects of the drill's customer, and the objects. */
  const exportedIn = async (bucket: string): Promise<{ ids: Map<string, number>; objects: ObjectKey[] }> => {
    const objects = await listObjects(bucket);
    const ids = new Map<string, number>();
    for (const object of objects) for (const id of await idsIn(bucket, object)) ids.set(id, (ids.get(id) ?? 0) + 1);
    return { ids, objects };
  };

  /**
   * Events of the drill's customer the exporter holds in open objects by schedule (or is writing),
   * each live instance asked for its own part (scope=instance) and the parts added up.
   */
  const heldInOpenObjects = async (): Promise<number> => {
    const views = await Promise.all(
      service('exporter').live.map((instance) =>
        getJson<{ customers: Array<{ customer_id: string; pending_events?: number }> }>(`${instance.url}/api/v1/export/status?customer_id=${customer.id}&scope=instance`),
      ),
    );
    return views.reduce((sum, view) => sum + (view.customers.find((entry) => entry.customer_id === customer.id)?.pending_events ?? 0), 0);
  };

  /**
   * The exporter service's own view (any instance answers for all): events of the drill's customer
   * held in open objects by schedule, and records of the topic the group has not read yet.
   */
  const exporterStatus = async (): Promise<{ held: number; behind: number | null }> => {
    const status = await getJson<{ customers: Array<{ customer_id: string; held_events?: number }>; lag?: { held: number; behind: number | null } }>(
      `${(service('exporter').live[0] as AppProcess).url}/api/v1/export/status?customer_id=${customer.id}`,
    );
    return { held: status.customers.find((entry) => entry.customer_id === customer.id)?.held_events ?? 0, behind: status.lag?.behind ?? null };
  };

  /** Triggers of the drill's customer not delivered (yet), with why. */
  const undelivered = async (): Promise<string[]> =>
    (
      await db.query<{ workflow_id: string; delivery_status: string; last_error: string | null }>(
        `SELECT workflow_id, delivery_status, last_error FROM automation.triggers WHERE customer_id = $1 AND delivery_status <> 'delivered'`,
        [customer.id],
      )
    ).rows.map((row) => `${row.workflow_id} ${row.delivery_status}: ${row.last_error ?? ''}`);

  it('balances the books with instances joining, leaving, killed and restarted, and the configuration changed mid-flow', async () => {
    const began = Date.now();
    const load = new Load(
      gateways.map((gateway) => gateway.url),
      customer,
      new DrillEventSource(`so-${run}`, EVENT_TIMES),
    );
    const facts: Books = { [`setup (2 gateways, ${INSTANCES_AT_START} instances of each consumer)`]: seconds(setupMs) };
    /**
     * Each group's pause after each membership change. A member that leaves or dies: from the signal
     * until the group is Stable without it (its partitions stand still that long). A member that
     * joins: the time the group was not Stable, every member stopped (its start is not a pause).
     */
    const measured: Array<{ step: string; kind: ChangeKind; service: ConsumerService; pauseMs: number }> = [];
    const pauses: Record<string, string> = {};
    let inForceMarks: Positions = new Map();
    let inForceAt = 0;
    let inForceViews: string[] = [];
    let flowStoppedAt = 0;
    let heldAtCatchUp = 0;
    let exporterView: { held: number; behind: number | null } = { held: 0, behind: null };
    let catchUpMs = 0;
    const notCaughtUp: string[] = [];

    /** Waits until every group is Stable with `members` members, after a change begun at `at`. */
    const settled = (step: string, at: number, members: number) =>
      Promise.all(
        services.map((instances) =>
          waitFor(async () => (watch as GroupWatch).pauseAfter(instances.group, at, members), (pause) => pause !== undefined, {
            what: `${instances.service} group stable with ${members} members after "${step}"`,
            timeoutMs: 60_000,
            intervalMs: 100,
          }),
        ),
      );
    const change = async (step: string, kind: ChangeKind, members: number, act: (instances: ServiceInstances) => Promise<void>): Promise<void> => {
      const at = Date.now();
      await Promise.all(services.map(act));
      await settled(step, at, members);
      pauses[`pause after "${step}"`] = services
        .map((instances) => {
          const pause = (watch as GroupWatch).pauseAfter(instances.group, at, members) as { untilStableMs: number; notStableMs: number };
          const pauseMs = kind === 'join' ? pause.notStableMs : pause.untilStableMs;
          measured.push({ step, kind, service: instances.service, pauseMs });
          return `${instances.service} ${seconds(pauseMs)}${kind === 'join' ? '' : ` (not Stable ${seconds(pause.notStableMs)})`}`;
        })
        .join(', ');
    };

    await steps(DRILL, () => ({ ...facts, ...pauses }), async () => {
      load.start({ singleClients: 2, bulkClients: 1, bulkSize: 20, pauseMs: 100 });
      try {
        await load.further(REQUESTS_BETWEEN_STEPS);
        await change('an instance joins', 'join', INSTANCES_AT_START + 1, (instances) => instances.add());
        await load.further(REQUESTS_BETWEEN_STEPS);
        await change('one leaves (SIGTERM)', 'leave', INSTANCES_AT_START, (instances) => instances.remove('SIGTERM'));
        await load.further(REQUESTS_BETWEEN_STEPS);

        const changeAt = Date.now();
        await applyConfigurationChange(hooks?.url as string);
        // The flow goes on whether or not every instance follows: the books then say which did not, and what that did.
        inForceViews = await waitFor(configurationInForce, changed, { what: 'the changed configuration in force on every instance', timeoutMs: CONFIG_SPREAD_MS, intervalMs: 250 }).catch(
          () => [],
        );
        inForceAt = Date.now();
        // Every record after these offsets was produced once every instance followed the change (or the time for it was up).
        inForceMarks = await topicPositions(env.kafkaBrokers, TOPIC);
        facts['configuration applied, in force on every instance after'] = inForceViews.length
          ? seconds(inForceAt - changeAt)
          : `not within ${seconds(CONFIG_SPREAD_MS)}: ${(await configurationInForce()).join(', ')}`;
        await load.further(REQUESTS_BETWEEN_STEPS);

        await change('one SIGKILLed', 'kill', INSTANCES_AT_START - 1, (instances) => instances.remove('SIGKILL'));
        await change('the killed one restarted', 'join', INSTANCES_AT_START, (instances) => instances.add());
        await load.further(REQUESTS_BETWEEN_STEPS);
      } finally {
        await load.stop();
        flowStoppedAt = Date.now();
      }
      facts['flow'] = `${seconds(flowStoppedAt - began)}, ${load.events.size} events in ${load.exchanges.length} requests`;

      // Caught up within a minute: the loader and the trigger committed past the whole flow; the
      // exporter wrote every acknowledged event or holds it in an object its schedule keeps open.
      const marks = await topicPositions(env.kafkaBrokers, TOPIC);
      const acked = load.acked();
      let behind: Record<string, number> = {};
      try {
        await waitFor(
          async () => {
            const [vault, trigger, held, exported, serviceView] = await Promise.all([
              uncommitted(env.kafkaBrokers, service('vault-loader').group, TOPIC, marks),
              uncommitted(env.kafkaBrokers, service('automation-trigger').group, TOPIC, marks),
              heldInOpenObjects(),
              exportedIn(clientBucket),
              exporterStatus(),
            ]);
            heldAtCatchUp = held;
            exporterView = serviceView;
            const written = [...acked].filter((id) => exported.ids.has(id)).length;
            // The books' count (every acknowledged event written or held) and the exporter's own word (nothing of the topic unread).
            behind = { 'vault-loader': vault, 'automation-trigger': trigger, exporter: acked.size - written - held, 'exporter (its status, lag.behind)': serviceView.behind ?? -1 };
            return behind;
          },
          (lag) => Object.values(lag).every((n) => n === 0),
          { what: 'every group caught up (exporter: written or held by schedule)', timeoutMs: Math.max(1000, CATCH_UP_MS - (Date.now() - flowStoppedAt)), intervalMs: 1000 },
        );
        catchUpMs = Date.now() - flowStoppedAt;
      } catch {
        notCaughtUp.push(`behind a minute after the flow stopped: ${JSON.stringify(behind)}`);
      }
      // The held objects written now, on the operators' request to each instance; then the exporter's group commits past the flow too.
      await waitFor(
        async () => {
          await Promise.all(
            service('exporter').live.map((instance) => fetch(`${instance.url}/api/v1/export/run?scope=instance`, { method: 'POST', headers: admin }).catch(() => undefined)),
          );
          return uncommitted(env.kafkaBrokers, service('exporter').group, TOPIC, marks);
        },
        (n) => n === 0,
        { what: 'the exporter committed past the flow after a run', timeoutMs: 60_000, intervalMs: 1000 },
      );
      await waitFor(undelivered, (rows) => rows.length === 0, { what: 'every trigger delivered', timeoutMs: 40_000, intervalMs: 500 }).catch(() => undefined);
    });

    // The books.
    const acked = load.acked();
    const ackedIds = [...acked].sort();
    const eventOf = (id: string): DrillEvent => load.events.get(id) as DrillEvent;
    const vaultRows = (await db.query<{ event_id: string; n: number }>('SELECT event_id, count(*)::int AS n FROM raw.site_tracking_events_r WHERE customer_id = $1 GROUP BY event_id', [customer.id])).rows;
    const vault = new Map(vaultRows.map((row) => [row.event_id, row.n]));
    const [client, backup] = await Promise.all([exportedIn(clientBucket), exportedIn(backupBucket)]);
    const triggers = (
      await db.query<{ workflow_id: string; idempotency_key: string; event_id: string }>('SELECT workflow_id, idempotency_key, event_id FROM automation.triggers WHERE customer_id = $1', [customer.id])
    ).rows;
    const notDelivered = await undelivered();
    // The one site of the drill's events, first seen by whichever exporter instance: published to billing once.
    const domainRecords = await recordsBetween(env.kafkaBrokers, TOPICS.billingSiteDomains, domainsBefore, await endOffsets(env.kafkaBrokers, [TOPICS.billingSiteDomains]), 1000);
    const domainPublications = domainRecords.filter((record) => record.key?.toString() === siteDomainKey({ customer_id: customer.id, domain: 'drill.example' })).length;
    const triggersOf = (workflow: string) => triggers.filter((row) => row.workflow_id === workflow);
    const triggerKeys = new Set(triggers.map((row) => `${row.workflow_id}|${row.idempotency_key}`));
    const missing = (found: Map<string, number>) => ackedIds.filter((id) => !found.has(id));
    const extra = (found: Map<string, number>) => [...found].filter(([id]) => acked.has(id)).reduce((sum, [, n]) => sum + n - 1, 0);
    const landingAcked = ackedIds.filter((id) => matchesLanding(eventOf(id)));
    const landingTriggered = new Set(triggersOf('drill_landing').map((row) => row.event_id));
    const pricingTriggered = new Set(triggersOf('drill_pricing').map((row) => row.event_id));
    // Every pricing page view sent after the change was in force on every instance; one read again later may fire too.
    const pricingAfterChange = load.exchanges.filter((exchange) => inForceAt > 0 && exchange.sentAt > inForceAt).flatMap((exchange) => exchange.acked).filter((id) => matchesPricing(eventOf(id)));
    const overlapping = [...overlaps(client.objects), ...overlaps(backup.objects)];
    // Every write the exporters made, both buckets: the objects, and beside them their claims, manifests and metering records.
    const writes = [...(recorder as S3WriteRecorder).writesPerKey(clientBucket), ...(recorder as S3WriteRecorder).writesPerKey(backupBucket)];
    const isObject = ([key]: [string, number]) => key.startsWith(`${EXPORT_PREFIX}/customer=`) && objectKey(key) !== undefined;
    const writtenTwice = writes.filter(([, n]) => n > 1).map(([key, n]) => `${key.split('/').slice(-2).join('/')} x${n}`);
    const sumOf = (entries: Array<[string, number]>) => entries.reduce((sum, [, n]) => sum + n, 0);
    // Objects cut wholly from records produced after the change was in force everywhere are CSV.
    const afterChange = client.objects.filter((object) => inForceMarks.size > 0 && object.first >= BigInt(inForceMarks.get(object.partition) ?? '0'));
    const formats = new Map<string, number>();
    for (const object of client.objects) formats.set(object.extension, (formats.get(object.extension) ?? 0) + 1);
    const finalViews = await configurationInForce();
    // Errors about other customers of the shared topic (the example customers name credentials these exporters are not given) are theirs, not the drill's.
    const allErrorLines = services.flatMap((instances) => instances.errorLines().map((line) => `${instances.service}: ${line.slice(0, 300)}`));
    const aboutOtherCustomers = (line: string): boolean => /"customer(Id)?":"[^"]+"/.test(line) && !line.includes(`"${customer.id}"`);
    const errorLines = allErrorLines.filter((line) => !aboutOtherCustomers(line));
    const byGateway = [0, 1].map((gateway) => load.exchanges.filter((exchange) => exchange.gateway === gateway && exchange.acked.length > 0).length);
    const failedRequests = load.exchanges.filter((exchange) => exchange.acked.length < exchange.eventIds.length);

    printBooks(DRILL, {
      ...facts,
      'events sent / acknowledged': `${load.events.size} / ${acked.size}`,
      'requests acknowledged by gateway 1 / gateway 2': byGateway.join(' / '),
      'requests not (wholly) acknowledged': failedRequests.length,
      'in the vault (acknowledged, once)': `${ackedIds.filter((id) => vault.get(id) === 1).length} (missing ${missing(vault).length}, extra copies ${extra(vault)})`,
      'in the client bucket (acknowledged, once)': `${ackedIds.filter((id) => client.ids.get(id) === 1).length} (missing ${missing(client.ids).length}, extra copies ${extra(client.ids)})`,
      'in the backup bucket (acknowledged, once)': `${ackedIds.filter((id) => backup.ids.get(id) === 1).length} (missing ${missing(backup.ids).length}, extra copies ${extra(backup.ids)})`,
      'objects (client / backup), by format': `${client.objects.length} / ${backup.objects.length}, ${[...formats].map(([extension, n]) => `${extension} ${n}`).join(', ')}`,
      'overlapping objects': overlapping.length ? overlapping.slice(0, 5).join('; ') : 'none',
      'writes of objects / of their claims, manifests and metering records': `${sumOf(writes.filter(isObject))} / ${sumOf(writes.filter((entry) => !isObject(entry)))}`,
      'written more than once': writtenTwice.length ? `${writtenTwice.length} (${writtenTwice.slice(0, 5).join(', ')})` : 0,
      'writes again refused by the server (412 to a conditional write)': recorder?.refused.length ?? 0,
      'triggers drill_landing (acknowledged matching / triggered)': `${landingAcked.length} / ${landingAcked.filter((id) => landingTriggered.has(id)).length}`,
      'triggers drill_pricing (matching sent after the change / triggered; all triggered)': `${pricingAfterChange.length} / ${pricingAfterChange.filter((id) => pricingTriggered.has(id)).length}; ${pricingTriggered.size}`,
      'site domain drill.example published to billing': `${domainPublications} time(s)`,
      'triggers / distinct (workflow, idempotency key)': `${triggers.length} / ${triggerKeys.size}`,
      'triggers not delivered': notDelivered.length ? `${notDelivered.length} (${notDelivered.slice(0, 3).join('; ')})` : 0,
      'objects cut after the change (of them csv)': `${afterChange.length} (${afterChange.filter((object) => object.extension === 'csv').length})`,
      'configuration on every live instance at the end': finalViews.join(', '),
      'caught up after the flow stopped': catchUpMs ? `${seconds(catchUpMs)}, ${heldAtCatchUp} events held in open objects by schedule` : notCaughtUp.join('; '),
      "the exporter's status then (service-wide): events held / records behind": `${exporterView.held} / ${exporterView.behind}`,
      ...pauses,
      'error lines logged by consumer instances (about other customers)': `${errorLines.length} (${allErrorLines.length - errorLines.length})`,
      'drill took': seconds(Date.now() - began),
    });

    expect(failedRequests.map((exchange) => `${exchange.status} via gateway ${exchange.gateway + 1}`)).toEqual([]);
    expect(byGateway.every((n) => n > 0)).toBe(true);
    // Every acknowledged event once in the vault and in each bucket.
    expect(missing(vault)).toEqual([]);
    expect(missing(client.ids)).toEqual([]);
    expect(missing(backup.ids)).toEqual([]);
    expect([extra(vault), extra(client.ids), extra(backup.ids)]).toEqual([0, 0, 0]);
    // Objects: none overlapping another of its partition and hour, none written twice.
    expect(overlapping).toEqual([]);
    expect(writtenTwice).toEqual([]);
    expect(domainPublications).toBe(1);
    // Triggers: one per workflow and key; every matching event of the first workflow, every one of the new workflow after the change.
    expect(triggerKeys.size).toBe(triggers.length);
    expect(landingAcked.filter((id) => !landingTriggered.has(id))).toEqual([]);
    expect([...landingTriggered].filter((id) => !matchesLanding(eventOf(id)))).toEqual([]);
    expect(pricingAfterChange.length).toBeGreaterThan(0);
    expect(pricingAfterChange.filter((id) => !pricingTriggered.has(id))).toEqual([]);
    expect([...pricingTriggered].filter((id) => !matchesPricing(eventOf(id)))).toEqual([]);
    expect(notDelivered).toEqual([]);
    // The changed configuration in force on every instance, the restarted ones included, and in the objects.
    // Every automation-trigger and exporter instance running when the change was applied (after the SIGTERM: INSTANCES_AT_START of each).
    expect(inForceViews).toHaveLength(2 * INSTANCES_AT_START);
    expect(changed(finalViews)).toBe(true);
    expect(afterChange.length).toBeGreaterThan(0);
    expect(afterChange.filter((object) => object.extension !== 'csv').map((object) => object.key)).toEqual([]);
    // Every group caught up within a minute of the flow stopping (the exporter's held objects excepted).
    expect(notCaughtUp).toEqual([]);
    // Every rebalance within the issue's bounds (printed above whether or not).
    expect(measured.filter((pause) => pause.pauseMs >= PAUSE_BOUND_MS[pause.kind]).map((pause) => `${pause.service} after "${pause.step}": ${seconds(pause.pauseMs)}`)).toEqual([]);
    // Rebalances are expected: none of them is an error.
    expect(errorLines).toEqual([]);
  }, 360_000);
});
