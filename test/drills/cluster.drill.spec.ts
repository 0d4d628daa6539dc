import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Pool } from 'pg';
import { TOPICS } from '@tracking/contracts';
import { repositoryRoot } from '@tracking/services';
import { TrackingClient, type FetchLike } from '@sdks/node/index';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { clusterStack, type ClusterBroker, type ClusterStack } from '@test/support/cluster-stack';
import { clusterStackLayout } from '@test/support/cluster-stack-settings';
import { printBooks, steps, type Books } from '@test/support/drill-books';
import { startAppProcess } from '@test/support/app-process';
import { EXPORTER_ON_STACK_S3, TEST_ADMIN_TOKEN, gatewayTestSettings } from '@test/support/in-process-services';
import { uncommitted } from '@test/support/kafka-inspection';
import { startPipeline, type ConsumerHandle, type Pipeline } from '@test/support/pipeline';
import { testS3Export, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment, type TestEnvironment } from '@test/support/test-environment';
import { testKafka, useKafkaSecurity } from '@test/support/test-kafka';
import { topicPositions, type Positions } from '@test/support/topic-reader';
import { startWebhookReceiver, type WebhookReceiver } from '@test/support/webhook-receiver';
import { waitFor } from '@test/support/wait-for';
import { DrillEventSource, isPageViewUnder, type DrillEvent } from '@test/support/drill-events';

/**
 * Issue 16's drills on the Kafka users run: three brokers replicated three ways (min.insync.replicas
 * 2), SASL_SSL, a registry with basic auth. One cluster and one pipeline (gateway, vault loader,
 * automation trigger, exporter, as processes) serve the four drills in turn; each drill's events
 * carry its own id prefix, so its books count only its own. Each drill prints its books and the time
 * it took, whether it passes or not.
 */

const TOPIC = TOPICS.trackingEvents;
/** The gateway's deadline for Kafka's acknowledgement. */
const ACK_TIMEOUT_MS = 3000;
/** A request still unanswered this long counts as a hang: the deadline, plus room for a busy machine. */
const CLIENT_TIMEOUT_MS = ACK_TIMEOUT_MS + 2500;
/** How long the consumers may take to commit past everything a drill produced, once its load stopped. */
const CATCH_UP_MS = 60_000;
/** A restarted broker replays its log and fetches what it missed before it is back in every ISR. */
const ISR_TIMEOUT_MS = 90_000;
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const EXPORT_PREFIX = 'drill/cluster';
const run = randomBytes(4).toString('hex');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

type Status = number | 'timeout' | 'network';
type Via = 'single' | 'bulk' | 'sdk';

interface Exchange {
  via: Via;
  phase: string;
  status: Status;
  ms: number;
  /** The events of the request, and those of them the gateway acknowledged (2xx, not refused in the body). */
  eventIds: string[];
  acked: string[];
  body?: Record<string, unknown>;
}

/**
 * Far enough back for a few thousand seconds of events, well within the gateway's 7 days; the events
 * of a session lie 24 s apart (see DrillEventSource).
 */
const EVENT_TIMES = { startAgoMs: 6 * 3_600_000, spacingMs: 1000, sessions: 24 };
class EventSource extends DrillEventSource {
  constructor(prefix: string) {
    super(prefix, EVENT_TIMES);
  }

  static matches(event: DrillEvent): boolean {
    return isPageViewUnder(event, 'landing');
  }
}

const parse = (text: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

/**
 * Single and bulk /track requests from several clients at once, each with a deadline, every
 * exchange recorded with the phase of the drill it was sent in.
 */
class Load {
  readonly exchanges: Exchange[] = [];
  readonly events = new Map<string, DrillEvent>();
  phase = 'before';
  private stopping = false;
  private loops: Array<Promise<void>> = [];

  constructor(
    private readonly url: () => string,
    private readonly customer: TestCustomer,
    readonly source: EventSource,
  ) {}

  start(options: { singleClients: number; bulkClients: number; bulkSize?: number; pauseMs?: number }): void {
    const pause = options.pauseMs ?? 40;
    const single = async (): Promise<void> => {
      while (!this.stopping) {
        const [event] = this.source.take(1);
        await this.send('single', '/api/v1/track', event, [event]);
        await sleep(pause);
      }
    };
    const bulk = async (worker: number): Promise<void> => {
      for (let index = 0; !this.stopping; index += 1) {
        const events = this.source.take(options.bulkSize ?? 20);
        await this.send('bulk', '/api/v1/track/bulk', { batch_id: `${this.source.prefix}-b${worker}-${index}`, events }, events);
        await sleep(pause * 4);
      }
    };
    this.loops = [...Array.from({ length: options.singleClients }, single), ...Array.from({ length: options.bulkClients }, (_, worker) => bulk(worker))];
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  record(exchange: Exchange, events: readonly DrillEvent[]): void {
    for (const event of events) this.events.set(event.event_id, event);
    this.exchanges.push(exchange);
  }

  /** Waits until `count` requests sent in the current phase were acknowledged. */
  async acknowledged(count: number, timeoutMs = 30_000): Promise<void> {
    const phase = this.phase;
    await waitFor(async () => this.exchanges.filter((e) => e.phase === phase && typeof e.status === 'number' && e.status < 300).length, (n) => n >= count, {
      what: `${count} requests acknowledged in phase "${phase}"`,
      timeoutMs,
    });
  }

  acked(): Set<string> {
    return new Set(this.exchanges.flatMap((exchange) => exchange.acked));
  }

  private async send(via: Via, path: string, body: unknown, events: DrillEvent[]): Promise<void> {
    const phase = this.phase;
    const began = Date.now();
    const eventIds = events.map((event) => event.event_id);
    try {
      const response = await fetch(`${this.url()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-customer-id': this.customer.id, authorization: `Bearer ${this.customer.token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      const answer = parse(await response.text());
      let acked: string[] = [];
      if (response.status < 300) {
        const refused = new Set([...((answer?.['errors'] as Array<{ index: number }>) ?? []), ...((answer?.['dropped'] as Array<{ index: number }>) ?? [])].map((entry) => entry.index));
        acked = via === 'single' ? (answer?.['event_id'] === eventIds[0] ? eventIds : []) : eventIds.filter((_, index) => !refused.has(index));
      }
      this.record({ via, phase, status: response.status, ms: Date.now() - began, eventIds, acked, body: answer }, events);
    } catch (error) {
      // No answer: the events may or may not be on the log, so none of them is in the acknowledged books.
      this.record({ via, phase, status: (error as Error).name === 'TimeoutError' ? 'timeout' : 'network', ms: Date.now() - began, eventIds, acked: [] }, events);
    }
  }
}

/** Status counts by phase, e.g. `killed: 200 x41, 503 x7`. */
function statusesByPhase(exchanges: readonly Exchange[]): string {
  const phases = new Map<string, Map<string, number>>();
  for (const exchange of exchanges) {
    const tally = phases.get(exchange.phase) ?? new Map<string, number>();
    phases.set(exchange.phase, tally);
    tally.set(String(exchange.status), (tally.get(String(exchange.status)) ?? 0) + 1);
  }
  return [...phases].map(([phase, tally]) => `${phase}: ${[...tally].map(([status, n]) => `${status} x${n}`).join(', ')}`).join('; ');
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

describe('fault drills: a secured three-broker cluster', () => {
  const testEnv = testEnvironment();
  const db = new Pool({ connectionString: testEnv.databaseUrl, max: 3 });
  const s3 = new S3Client({ endpoint: testEnv.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  const customersDir = mkdtempSync(join(tmpdir(), 'drill-cluster-customers-'));
  const clientBucket = `drill-cluster-${run}`;
  const backupBucket = `drill-cluster-${run}-backup`;
  let cluster: ClusterStack;
  let env: TestEnvironment;
  let customer: TestCustomer;
  let hooks: WebhookReceiver | undefined;
  let pipeline: Pipeline | undefined;
  let setupMs = 0;
  /** The cluster's client settings (TLS, SASL, registry auth), as the services get them. */
  let clusterClient: Record<string, string> = {};

  const consumers = (): ConsumerHandle[] => (pipeline ? [pipeline['vault-loader'], pipeline['automation-trigger'], pipeline.exporter] : []);
  const gatewayUrl = (): string => (pipeline as Pipeline).gateway.url;

  const configureCustomer = (webhookUrl: string): TestCustomer =>
    writeTestCustomer(customersDir, {
      apiRateLimit: 1_000_000,
      s3Export: testS3Export({ clientBucket, backupBucket, prefix: EXPORT_PREFIX, schedule: 'daily' }),
      landingWebhookUrl: webhookUrl,
    });

  beforeAll(async () => {
    const began = Date.now();
    cluster = await clusterStack();
    useKafkaSecurity(cluster.kafka.brokers, { tls: cluster.kafka.tls, sasl: cluster.kafka.sasl });
    // A broker an earlier, interrupted run left down is started again; the drills begin with all three in sync.
    await Promise.all(cluster.brokers.map((broker) => broker.start()));
    await cluster.waitForFullIsr(TOPIC, ISR_TIMEOUT_MS);
    env = { ...testEnv, kafkaBrokers: cluster.kafka.brokers, schemaRegistryUrl: cluster.registry.url };
    hooks = await startWebhookReceiver();
    customer = configureCustomer(hooks.url);
    for (const bucket of [clientBucket, backupBucket]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // The cluster's client settings (TLS, SASL, registry auth); the test database and the main stack's S3 stay.
    const { DATABASE_URL: _database, REDIS_URL: _redis, S3_ENDPOINT: _s3, ...client } = cluster.env;
    clusterClient = client;
    // Logs at info, so the check that no password is in them has the services' ordinary output to look at.
    const common = { ...clusterClient, LOG_LEVEL: 'info' };
    pipeline = await startPipeline({
      name: 'drill-cluster',
      env,
      customersDir,
      // The cluster's registry takes credentials the tests' customer client is not given: each service reads the directory.
      customersVia: 'directory',
      settings: {
        gateway: {
          ...common,
          CUSTOMERS_WATCH: 'false',
          KAFKA_ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS),
          TRACKING_INGEST_RATE_LIMIT_PER_MINUTE: '1000000',
          TRACKING_KEY_RATE_LIMIT_PER_MINUTE: '1000000',
        },
        'vault-loader': { ...common, VAULT_LOADER_SESSION_TIMEOUT_MS: '6000' },
        'automation-trigger': { ...common, IT_WEBHOOK_SECRET: SECRET, AUTOMATION_TRIGGER_SESSION_TIMEOUT_MS: '6000', WEBHOOK_RETRY_SCHEDULE: '300ms,900ms', WEBHOOK_TIMEOUT_MS: '2000' },
        exporter: { ...common, ...EXPORTER_ON_STACK_S3 },
      },
    });
    setupMs = Date.now() - began;
  }, 300_000);

  afterAll(async () => {
    await pipeline?.stop();
    await hooks?.close();
    await db.end();
    s3.destroy();
    // The cluster stays up for the next spec file that asks for it; the global teardown stops it.
  }, 60_000);

  /** Records of the topic up to `marks` that a consumer group has not committed yet, for each consumer. */
  const behind = async (marks: Positions): Promise<Record<string, number>> => {
    const entries = await Promise.all(consumers().map(async (service) => [service.name, await uncommitted(env.kafkaBrokers, service.group, TOPIC, marks)] as const));
    return Object.fromEntries(entries);
  };

  /**
   * Waits until every consumer has committed past everything on the topic now (the exporter flushes
   * its open objects on /run first: a daily schedule would keep them open); resolves with how long
   * that took, or throws naming who is behind.
   */
  const caughtUp = async (): Promise<number> => {
    const began = Date.now();
    const marks = await topicPositions(env.kafkaBrokers, TOPIC);
    let lag: Record<string, number> = {};
    try {
      await waitFor(
        async () => {
          await fetch(`${pipeline?.exporter.url}/api/v1/export/run`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }).catch(() => undefined);
          lag = await behind(marks);
          return lag;
        },
        (found) => Object.values(found).every((n) => n === 0),
        { what: 'every consumer committed past the drill', timeoutMs: CATCH_UP_MS, intervalMs: 500 },
      );
    } catch (error) {
      // What the services behind said about it: their warnings and errors, last first.
      for (const service of consumers().filter((candidate) => (lag[candidate.name] ?? 0) > 0)) {
        const complaints = service.logs().split('\n').filter((line) => /"level":"(warn|error|fatal)"/.test(line) || line.startsWith('Error'));
        const status = service.name === 'exporter' ? await fetch(`${service.url}/api/v1/export/status`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }).then((response) => response.text(), (error: Error) => error.message) : '';
        process.stderr.write(`\n${service.name} is ${lag[service.name]} records behind; ${status}\nits last warnings and errors:\n${complaints.slice(-25).map((line) => line.slice(0, 600)).join('\n')}\n`);
      }
      throw error;
    }
    return Date.now() - began;
  };

  /** How often each id of the drill is in the vault, in the export, and among the fired triggers. */
  const landed = async (
    prefix: string,
  ): Promise<{ vault: Map<string, number>; exported: Map<string, number>; exportedIn: Map<string, string[]>; triggers: Map<string, number>; triggerKeys: number }> => {
    const like = `${prefix}-%`;
    const vaultRows = await db.query<{ event_id: string; n: number }>(
      'SELECT event_id, count(*)::int AS n FROM raw.site_tracking_events_r WHERE customer_id = $1 AND event_id LIKE $2 GROUP BY event_id',
      [customer.id, like],
    );
    const triggerRows = await db.query<{ event_id: string; n: number; keys: number }>(
      'SELECT event_id, count(*)::int AS n, count(DISTINCT idempotency_key)::int AS keys FROM automation.triggers WHERE customer_id = $1 AND event_id LIKE $2 GROUP BY event_id',
      [customer.id, like],
    );
    const exported = new Map<string, number>();
    /** The object keys (with the line) holding each id: where a duplicate is, when there is one. */
    const exportedIn = new Map<string, string[]>();
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: clientBucket, Prefix: `${EXPORT_PREFIX}/customer=${customer.id}/`, ContinuationToken: token }));
      for (const entry of page.Contents ?? []) {
        const object = await s3.send(new GetObjectCommand({ Bucket: clientBucket, Key: entry.Key }));
        const text = Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()).toString('utf8');
        for (const [index, line] of text.split('\n').entries()) {
          if (!line.trim()) continue;
          const id = (JSON.parse(line) as { event_id: string }).event_id;
          if (!id.startsWith(`${prefix}-`)) continue;
          exported.set(id, (exported.get(id) ?? 0) + 1);
          exportedIn.set(id, [...(exportedIn.get(id) ?? []), `${entry.Key ?? ''}:${index + 1}`]);
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return {
      vault: new Map(vaultRows.rows.map((row) => [row.event_id, row.n])),
      exported,
      exportedIn,
      triggers: new Map(triggerRows.rows.map((row) => [row.event_id, row.n])),
      triggerKeys: triggerRows.rows.reduce((sum, row) => sum + row.keys, 0),
    };
  };

  /**
   * The books every drill prints: what was sent and acknowledged, where the acknowledged events
   * landed and how often. `lost` counts acknowledged events missing from the vault or the export;
   * `duplicated` counts extra copies of acknowledged events anywhere.
   */
  const ledger = async (load: Load, extraAcked: ReadonlySet<string> = new Set()) => {
    const acked = new Set([...load.acked(), ...extraAcked]);
    const where = await landed(load.source.prefix);
    const matching = [...acked].filter((id) => EventSource.matches(load.events.get(id) as DrillEvent));
    const missing = (found: Map<string, number>) => [...acked].filter((id) => !found.has(id));
    const extra = (found: Map<string, number>) => [...found].filter(([id]) => acked.has(id)).reduce((sum, [, n]) => sum + n - 1, 0);
    const lostVault = missing(where.vault);
    const lostExport = missing(where.exported);
    const triggersMissing = matching.filter((id) => !where.triggers.has(id));
    const books: Books = {
      'events sent': load.events.size,
      'events acknowledged (2xx)': acked.size,
      'in the vault (acknowledged)': acked.size - lostVault.length,
      'exported (acknowledged)': acked.size - lostExport.length,
      'triggers (acknowledged matching page views)': `${matching.length - triggersMissing.length} of ${matching.length}`,
      lost: new Set([...lostVault, ...lostExport]).size,
      duplicated: extra(where.vault) + extra(where.exported) + extra(where.triggers),
      'duplicated in the vault / the export / the triggers': `${extra(where.vault)} / ${extra(where.exported)} / ${extra(where.triggers)}`,
      'exported more than once (id: object:line, ...)':
        [...where.exported]
          .filter(([id, n]) => n > 1 && acked.has(id))
          .slice(0, 5)
          .map(([id]) => `${id}: ${(where.exportedIn.get(id) ?? []).join(', ')}`)
          .join('; ') || 'none',
      'not acknowledged, yet in the vault (at-least-once)': [...where.vault.keys()].filter((id) => !acked.has(id)).length,
      'requests by phase and status': statusesByPhase(load.exchanges),
    };
    return { books, lostVault, lostExport, triggersMissing, where, acked };
  };

  /** Every acknowledged event in the vault and the export, every matching page view triggered, nothing twice. */
  const expectBooksBalanced = ({ books, lostVault, lostExport, triggersMissing }: Pick<Awaited<ReturnType<typeof ledger>>, 'books' | 'lostVault' | 'lostExport' | 'triggersMissing'>): void => {
    expect(lostVault).toEqual([]);
    expect(lostExport).toEqual([]);
    expect(triggersMissing).toEqual([]);
    expect(books['duplicated']).toBe(0);
  };

  /** Every answer was 2xx or 503 (with the seed's error code), none came later than the client's deadline. */
  const expectOnly2xxOr503 = (load: Load): void => {
    const other = load.exchanges.filter((e) => e.status !== 503 && !(typeof e.status === 'number' && e.status >= 200 && e.status < 300));
    expect(other.map((e) => `${e.via} in ${e.phase}: ${e.status} after ${e.ms} ms`)).toEqual([]);
    for (const refused of load.exchanges.filter((e) => e.status === 503)) expect(refused.body).toMatchObject({ success: false, error_code: 'SERVICE_UNAVAILABLE' });
  };

  const readyz = async (): Promise<{ status: number | 'timeout'; body?: Record<string, unknown> }> => {
    try {
      const response = await fetch(`${gatewayUrl()}/readyz`, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
      return { status: response.status, body: parse(await response.text()) };
    } catch {
      return { status: 'timeout' };
    }
  };

  const mostLeader = async (): Promise<{ broker: ClusterBroker; partitions: number; of: number }> => {
    const leaders = await cluster.leaders(TOPIC);
    const counts = new Map<number, number>();
    for (const leader of leaders.values()) counts.set(leader, (counts.get(leader) ?? 0) + 1);
    const [nodeId, partitions] = [...counts].sort((a, b) => b[1] - a[1])[0] as [number, number];
    return { broker: cluster.broker(nodeId), partitions, of: leaders.size };
  };

  it('1. secured cluster end to end: events through the gateway reach the vault, the export and the triggers; a wrong password is refused', async () => {
    const DRILL = '1. secured cluster end to end';
    const began = Date.now();
    const load = new Load(gatewayUrl, customer, new EventSource(`d1-${run}`));
    const facts: Books = { 'setup (cluster, pipeline)': seconds(setupMs) };
    let wrongKafka = 'not tried';
    let wrongRegistry: number | string = 'not tried';
    await steps(DRILL, () => facts, async () => {
      expect(cluster.connection.kafkaSecurity).toBeDefined();
      expect(cluster.registry.basicAuth).toBeDefined();
      facts['listener'] = `SASL_SSL, ${cluster.kafka.sasl?.mechanism}, CA ${cluster.connection.kafkaSecurity?.caFile.split('/').pop()}`;
      load.start({ singleClients: 2, bulkClients: 1 });
      await load.acknowledged(60);
      await load.stop();
      facts['caught up after'] = seconds(await caughtUp());

      // The same cluster with a wrong password: the broker refuses the SASL handshake.
      wrongKafka = await (async () => {
        const impostor = testKafka(env.kafkaBrokers, 'drill-wrong-password', {
          retry: { retries: 0 },
          sasl: { ...(cluster.kafka.sasl as { mechanism: 'scram-sha-512'; username: string; password: string }), password: `wrong-${run}` },
        }).admin();
        try {
          await impostor.connect();
          return 'connected';
        } catch (error) {
          return `${(error as Error).name}: ${(error as Error).message}`;
        } finally {
          await impostor.disconnect().catch(() => undefined);
        }
      })();
      const auth = cluster.registry.basicAuth as { username: string; password: string };
      wrongRegistry = (
        await fetch(new URL('/subjects', cluster.registry.url), { headers: { authorization: `Basic ${Buffer.from(`${auth.username}:wrong-${run}`).toString('base64')}` } })
      ).status;
    });
    const { books, lostVault, lostExport, triggersMissing } = await ledger(load);
    printBooks(DRILL, {
      ...facts,
      ...books,
      'client with a wrong Kafka password': wrongKafka.slice(0, 160),
      'registry with a wrong password': wrongRegistry,
      'drill took': seconds(Date.now() - began),
    });
    expect(wrongKafka).toMatch(/SASL|[Aa]uthentication/);
    expect(wrongKafka).not.toBe('connected');
    expect(wrongRegistry).toBe(401);
    expect(load.exchanges.filter((e) => e.status !== 200).map((e) => `${e.via}: ${e.status}`)).toEqual([]);
    expectBooksBalanced({ books, lostVault, lostExport, triggersMissing });
  }, 180_000);

  it('1. (continued) a gateway given a wrong password stays up and not ready, /readyz naming authentication, and never crash-loops', async () => {
    const began = Date.now();
    const wrong = `wrong-${run}`;
    const gateway = await startAppProcess('gateway', 'PORT', { ...gatewayTestSettings(env), ...clusterClient, CUSTOMERS_DIR: customersDir, KAFKA_SASL_PASSWORD: wrong, LOG_LEVEL: 'info' });
    try {
      const readiness = await waitFor(
        async () => {
          const response = await fetch(`${gateway.url}/readyz`);
          return { status: response.status, kafka: ((await response.json()) as { checks: Record<string, { error?: string }> }).checks['kafka']?.error ?? '' };
        },
        (answer) => answer.status !== 503 || /authentication/i.test(answer.kafka),
        { what: 'the gateway naming the refused credentials', timeoutMs: 90_000, intervalMs: 1000 },
      );
      const accepted = await fetch(`${gateway.url}/api/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${customer.token}`, 'x-customer-id': customer.id },
        body: JSON.stringify({ event_type: 'page_view', page_url: 'https://drill.example/wrong-password' }),
      });
      printBooks('1. (continued) wrong password', { '/readyz': `${readiness.status} ${readiness.kafka.slice(0, 120)}`, 'an event sent meanwhile': accepted.status, 'took': seconds(Date.now() - began) });
      expect(readiness).toEqual({ status: 503, kafka: expect.stringMatching(/authentication failed/i) });
      expect(accepted.status).toBe(503);
      expect((await fetch(`${gateway.url}/livez`)).status).toBe(200);
      const logs = `${gateway.output()}${gateway.errorOutput()}`;
      for (const secret of [wrong, clusterClient['SCHEMA_REGISTRY_PASSWORD'] ?? wrong]) expect(logs).not.toContain(secret);
    } finally {
      await gateway.stop('SIGKILL');
    }
  }, 150_000);

  it('2. leader lost under load: the broker leading most partitions is SIGKILLed; 2xx or 503 only, every acknowledged event once, the broker rejoins the ISR', async () => {
    const DRILL = '2. leader lost under load';
    const began = Date.now();
    const load = new Load(gatewayUrl, customer, new EventSource(`d2-${run}`));
    const facts: Books = {};
    await steps(DRILL, () => ({ ...facts, 'requests by phase and status': statusesByPhase(load.exchanges) }), async () => {
      const victim = await mostLeader();
      facts['killed'] = `broker ${victim.broker.nodeId}, leader of ${victim.partitions} of ${victim.of} partitions of ${TOPIC}`;
      load.start({ singleClients: 3, bulkClients: 1 });
      try {
        await load.acknowledged(40);
        load.phase = 'killed';
        const killedAt = Date.now();
        await victim.broker.kill();
        // The controller fences the dead broker once its heartbeats stop (broker.session.timeout.ms) and elects new leaders.
        await waitFor(() => cluster.leaders(TOPIC), (leaders) => ![...leaders.values()].includes(victim.broker.nodeId) && ![...leaders.values()].includes(-1), {
          what: `new leaders for the partitions of broker ${victim.broker.nodeId}`,
          timeoutMs: 60_000,
          intervalMs: 250,
        });
        facts['new leaders elected after'] = seconds(Date.now() - killedAt);
        load.phase = 'after election';
        await load.acknowledged(40);
        facts['2xx again after the kill'] = seconds(Date.now() - killedAt);
        load.phase = 'restarted';
        const restartedAt = Date.now();
        await victim.broker.start();
        facts['broker restarted (registered) after'] = seconds(Date.now() - restartedAt);
        const isrMs = await cluster.waitForFullIsr(TOPIC, ISR_TIMEOUT_MS);
        facts['back in every ISR after'] = `${seconds(Date.now() - restartedAt)} from its start (${seconds(isrMs)} of waiting for the ISR)`;
        await load.acknowledged(20);
      } finally {
        await load.stop();
      }
      facts['consumers caught up after'] = seconds(await caughtUp());
    });
    const { books, lostVault, lostExport, triggersMissing } = await ledger(load);
    const refused = load.exchanges.filter((e) => e.status === 503);
    printBooks(DRILL, {
      ...facts,
      ...books,
      '503 answers (slowest)': `${refused.length} (${refused.length ? Math.max(...refused.map((e) => e.ms)) : 0} ms)`,
      'slowest answer': `${Math.max(...load.exchanges.map((e) => e.ms))} ms`,
      'drill took': seconds(Date.now() - began),
    });
    expectOnly2xxOr503(load);
    expectBooksBalanced({ books, lostVault, lostExport, triggersMissing });
  }, 240_000);

  it('3. below min ISR: with two of three brokers down the gateway answers 503 at once and /readyz says why; afterwards the SDK lands every event once', async () => {
    const DRILL = '3. below min ISR';
    const began = Date.now();
    const load = new Load(gatewayUrl, customer, new EventSource(`d3-${run}`));
    const facts: Books = {};
    const sdkEvents = new EventSource(`d3-${run}-sdk`);
    const sdkFailures: string[] = [];
    const tracked: DrillEvent[] = [];
    const delivered = new Set<string>();
    const settled: Array<Promise<unknown>> = [];
    let sdkStop = false;
    let readyWhileDown: { status: number | 'timeout'; body?: Record<string, unknown> } | undefined;

    // The Node SDK through the drill's own fetch, so its attempts go into the books like every other request.
    const sdkFetch: FetchLike = async (url, init) => {
      const sent = parse(init.body) ?? {};
      const eventIds = Array.isArray(sent['events']) ? (sent['events'] as Array<{ event_id: string }>).map((event) => event.event_id) : [String(sent['event_id'])];
      const phase = load.phase;
      const startedAt = Date.now();
      try {
        const response = await fetch(url, init);
        const text = await response.text();
        load.record({ via: 'sdk', phase, status: response.status, ms: Date.now() - startedAt, eventIds, acked: [], body: parse(text) }, []);
        return { status: response.status, headers: response.headers, text: async () => text };
      } catch (error) {
        load.record({ via: 'sdk', phase, status: init.signal.aborted ? 'timeout' : 'network', ms: Date.now() - startedAt, eventIds, acked: [] }, []);
        throw error;
      }
    };
    const client = new TrackingClient({
      endpoint: gatewayUrl(),
      customerId: customer.id,
      token: customer.token,
      flushAt: 10,
      flushInterval: 100,
      maxRetries: 100,
      timeoutMs: CLIENT_TIMEOUT_MS,
      retry: { baseDelayMs: 200, maxDelayMs: 1000, maxRetryAfterMs: 1000 },
      onError: (error) => sdkFailures.push(`${error.errorCode}: ${error.message}`),
      fetch: sdkFetch,
    });
    const sdkLoop = async (): Promise<void> => {
      while (!sdkStop) {
        const [event] = sdkEvents.take(1);
        tracked.push(event);
        settled.push(client.track(event).then(() => delivered.add(event.event_id), () => undefined));
        await sleep(30);
      }
    };

    const [first, second] = cluster.brokers;
    const down = [first, second] as [ClusterBroker, ClusterBroker];
    let sdk: Promise<void> = Promise.resolve();
    await steps(DRILL, () => ({ ...facts, 'requests by phase and status': statusesByPhase(load.exchanges) }), async () => {
      load.start({ singleClients: 3, bulkClients: 1 });
      sdk = sdkLoop();
      try {
        await load.acknowledged(30);
        load.phase = 'one down';
        const stoppedAt = Date.now();
        await down[0].stop();
        await load.acknowledged(10);
        await down[1].stop();
        facts['brokers stopped'] = `${down.map((broker) => broker.nodeId).join(' and ')} (controlled shutdown), in ${seconds(Date.now() - stoppedAt)}`;
        readyWhileDown = await waitFor(readyz, (ready) => ready.status === 503 && JSON.stringify(ready.body).includes('in-sync replicas'), {
          what: '/readyz naming the missing in-sync replicas',
          timeoutMs: 30_000,
          intervalMs: 200,
        });
        load.phase = 'two down';
        const downAt = Date.now();
        await waitFor(async () => load.exchanges.filter((e) => e.phase === 'two down' && e.status === 503), (list) => list.length >= 40 && list.some((e) => e.via === 'sdk'), {
          what: '503s with two brokers down',
          timeoutMs: 30_000,
        });
        // Long enough for the SDK to retry a few times against a cluster that refuses.
        await sleep(Math.max(0, 3000 - (Date.now() - downAt)));
        load.phase = 'recovering';
        const recoveringAt = Date.now();
        await Promise.all(down.map((broker) => broker.start()));
        await waitFor(readyz, (ready) => ready.status === 200, { what: '/readyz ready again', timeoutMs: 60_000, intervalMs: 250 });
        facts['ready again after the restart'] = seconds(Date.now() - recoveringAt);
        load.phase = 'recovered';
        await load.acknowledged(30);
        const isrMs = await cluster.waitForFullIsr(TOPIC, ISR_TIMEOUT_MS);
        facts['back in every ISR after'] = `${seconds(Date.now() - recoveringAt)} from their start (${seconds(isrMs)} of waiting for the ISR)`;
      } finally {
        sdkStop = true;
        await sdk;
        await load.stop();
      }
      // No deadline: with the cluster back, the SDK's retries must get every event in.
      const summary = await client.close();
      await Promise.all(settled);
      facts['sdk close'] = `accepted ${summary.accepted}, dropped ${summary.dropped}, failed ${summary.failed}`;
      facts['consumers caught up after'] = seconds(await caughtUp());
    });
    const sdkIds = new Set(tracked.map((event) => event.event_id));
    for (const event of tracked) load.events.set(event.event_id, event);
    const { books, lostVault, lostExport, triggersMissing, where } = await ledger(load, delivered);
    const twoDown = load.exchanges.filter((e) => e.phase === 'two down');
    const twoDownMs = twoDown.map((e) => e.ms);
    const sdkInVault = [...sdkIds].filter((id) => where.vault.get(id) === 1).length;
    printBooks(DRILL, {
      ...facts,
      ...books,
      'answers with two brokers down': `${twoDown.length}: ${statusesByPhase(twoDown)}`,
      'answer time with two brokers down (median / p99 / max)': `${percentile(twoDownMs, 50)} / ${percentile(twoDownMs, 99)} / ${Math.max(0, ...twoDownMs)} ms`,
      '/readyz with two brokers down': `${readyWhileDown?.status} ${JSON.stringify((readyWhileDown?.body?.['checks'] as Record<string, unknown> | undefined)?.['kafka'] ?? {})}`.slice(0, 300),
      'sdk events tracked / delivered / once in the vault': `${tracked.length} / ${delivered.size} / ${sdkInVault}`,
      'sdk errors': sdkFailures.length,
      'drill took': seconds(Date.now() - began),
    });
    expectOnly2xxOr503(load);
    expect(twoDown.filter((e) => e.status !== 503).map((e) => `${e.via}: ${e.status}`)).toEqual([]);
    // Refused at once, not after the deadline: Kafka answers NOT_ENOUGH_REPLICAS and the gateway stops asking.
    expect(percentile(twoDownMs, 50)).toBeLessThan(ACK_TIMEOUT_MS / 3);
    expect(Math.max(0, ...twoDownMs)).toBeLessThanOrEqual(ACK_TIMEOUT_MS + 1000);
    expect(sdkFailures).toEqual([]);
    expect(delivered.size).toBe(tracked.length);
    expect(sdkInVault).toBe(tracked.length);
    expectBooksBalanced({ books, lostVault, lostExport, triggersMissing });
  }, 240_000);

  it('4. rolling restart: the brokers restarted one at a time under load; nothing acknowledged lost, no 5xx but 503, no consumer stuck', async () => {
    const DRILL = '4. rolling restart';
    const began = Date.now();
    const load = new Load(gatewayUrl, customer, new EventSource(`d4-${run}`));
    const facts: Books = {};
    await steps(DRILL, () => ({ ...facts, 'requests by phase and status': statusesByPhase(load.exchanges) }), async () => {
      load.start({ singleClients: 3, bulkClients: 1 });
      try {
        await load.acknowledged(30);
        for (const broker of cluster.brokers) {
          load.phase = `broker ${broker.nodeId} restarting`;
          const restartedAt = Date.now();
          await broker.stop();
          await broker.start();
          const isrMs = await cluster.waitForFullIsr(TOPIC, ISR_TIMEOUT_MS);
          facts[`broker ${broker.nodeId} stopped, started, in every ISR`] = `${seconds(Date.now() - restartedAt)} (${seconds(isrMs)} of waiting for the ISR)`;
          load.phase = `after broker ${broker.nodeId}`;
          await load.acknowledged(10);
        }
      } finally {
        await load.stop();
      }
      facts['consumers caught up after'] = seconds(await caughtUp());
    });
    const { books, lostVault, lostExport, triggersMissing } = await ledger(load);
    printBooks(DRILL, {
      ...facts,
      ...books,
      'slowest answer': `${Math.max(...load.exchanges.map((e) => e.ms))} ms`,
      'drill took': seconds(Date.now() - began),
    });
    expectOnly2xxOr503(load);
    expectBooksBalanced({ books, lostVault, lostExport, triggersMissing });
  }, 300_000);

  it('1. (continued) no password in any log: every service process, every broker, the controller and the registry', () => {
    const passwords = [cluster.kafka.sasl && 'password' in cluster.kafka.sasl ? cluster.kafka.sasl.password : undefined, cluster.registry.basicAuth?.password, `wrong-${run}`].filter(
      (password): password is string => typeof password === 'string' && password.length > 0,
    );
    const logs: Array<[string, string]> = [];
    for (const service of ['gateway', 'vault-loader', 'automation-trigger', 'exporter'] as const) logs.push([service, (pipeline as Pipeline)[service].logs()]);
    const logDir = join(clusterStackLayout(repositoryRoot()).stackDir, 'logs');
    if (existsSync(logDir)) for (const file of readdirSync(logDir)) logs.push([file, readFileSync(join(logDir, file), 'utf8')]);
    const leaks = logs.flatMap(([name, text]) => passwords.filter((password) => text.includes(password)).map(() => name));
    printBooks('1. secured cluster end to end (logs)', {
      'passwords looked for': passwords.length,
      'logs searched': logs.map(([name, text]) => `${name} (${Math.round(text.length / 1024)} KiB)`).join(', '),
      'logs holding a password': leaks.join(', ') || 'none',
    });
    expect(passwords.length).toBeGreaterThanOrEqual(3);
    expect(logs.filter(([name]) => name.startsWith('kafka')).length).toBeGreaterThanOrEqual(3);
    expect(leaks).toEqual([]);
  });
});
