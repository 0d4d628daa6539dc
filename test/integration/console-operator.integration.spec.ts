import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { Pool } from 'pg';
import type { Page } from 'playwright-core';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey } from '@tracking/contracts';
import { consoleCall, type ConsoleAnswer } from '@test/support/console-http';
import { CONSOLE_DIR, ConsoleBrowser, DESKTOP, PHONE, addToken } from '@test/support/console-browser';
import { TEST_ADMIN_TOKEN, startGateway, startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { groupLag, positionGroup } from '@test/support/kafka-inspection';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';
import { waitFor } from '@test/support/wait-for';

/**
 * The Overview's gateway latency and last errors, and the operators' pages (issue 21, pages 1 and
 * 9) on the real stack: two gateway instances share their request health through PostgreSQL, the
 * operators' customer list carries health, the replay's dry run names the offsets and records the
 * CLI would move and moves nothing, a real replay moves only stopped groups. Then the pages in
 * Chromium (axe, CSP, screenshots at 1280x800 and 390x844).
 */

type Answer = ConsoleAnswer;

interface Session {
  cookie: string;
  csrf: string;
}

interface ReplayAnswer {
  dry_run: boolean;
  moved: boolean;
  services: Array<{
    service: string;
    group: string;
    live_members: number;
    records_read_again: string;
    effect: string;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; committed: string | null; target: string; records: string }> }>;
  }>;
}

const cookieValue = (cookies: string[], name: string): string | undefined => cookies.find((cookie) => cookie.startsWith(`${name}=`))?.split(';')[0]?.slice(name.length + 1);
const EVENTS = 6;
const PAYLOAD_MARKER = `payload-marker-${randomUUID().slice(0, 8)}`;

describe('console: gateway latency and errors, customers and replay (issue 21, pages 1 and 9)', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const run = randomUUID().slice(0, 8);
  const groups = { vaultLoader: `it-console-op-vl-${run}`, automationTrigger: `it-console-op-at-${run}`, exporter: `it-console-op-ex-${run}` };
  const groupSettings = { VAULT_LOADER_GROUP_ID: groups.vaultLoader, AUTOMATION_TRIGGER_GROUP_ID: groups.automationTrigger, EXPORTER_GROUP_ID: groups.exporter };
  let gateways: RunningService[] = [];
  let loader: RunningService | undefined;
  let db: Pool;
  let admin: Admin;
  let a: TestCustomer;
  let b: TestCustomer;
  let c: TestCustomer;
  let readToken: string;
  let startedAt: Date;

  const call = (gateway: RunningService, method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<Answer> =>
    consoleCall(gateway.url, method, path, options);

  async function signIn(credentials: object): Promise<Session> {
    const answer = await call(gateways[0] as RunningService, 'POST', '/console/api/session', { body: credentials });
    expect(answer.status).toBe(200);
    return { cookie: `console_session=${cookieValue(answer.cookies, 'console_session')}`, csrf: String(answer.body['csrf_token']) };
  }

  const bearer = (customer: TestCustomer, token = customer.token) => ({ 'X-Customer-ID': customer.id, Authorization: `Bearer ${token}` });
  const operator = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  const staged = async (customer: TestCustomer) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staging.site_events WHERE tenant_hk = $1', [tenantHashKey(customer.id)])).rows[0]?.n ?? 0;
  const committed = async (groupId: string, topics: readonly string[]) =>
    (await admin.fetchOffsets({ groupId, topics: [...topics] })).map((topic) => `${topic.topic}:${topic.partitions.map((p) => `${p.partition}@${p.offset}`).join(',')}`);
  const members = async (groupId: string) => (await admin.describeGroups([groupId])).groups[0]?.members.length ?? 0;

  /** Records on `topic` in [from, to) per partition whose key is the customer's (`<customer>:<session>`). */
  async function customerRecordsIn(topic: string, windows: Array<{ partition: number; from: bigint; to: bigint }>, customerId: string): Promise<number> {
    const open = windows.filter((window) => window.to > window.from);
    if (open.length === 0) return 0;
    const consumer = testKafka(env.kafkaBrokers).consumer({ groupId: `it-console-op-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    let found = 0;
    try {
      await consumer.subscribe({ topic, fromBeginning: false });
      const remaining = new Map(open.map((window) => [window.partition, window]));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`window of ${topic} not read in 30 s`)), 30_000);
        void consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const window = remaining.get(partition);
              if (!window) return;
              const offset = BigInt(message.offset);
              if (offset >= window.from && offset < window.to && message.key?.toString().startsWith(`${customerId}:`)) found += 1;
              if (offset >= window.to - 1n) remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .then(() => {
            for (const window of open) consumer.seek({ topic, partition: window.partition, offset: window.from.toString() });
          }, reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return found;
  }

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl, max: 3 });
    admin = testKafka(env.kafkaBrokers).admin();
    await admin.connect();
    a = writeTestCustomer(customersDir);
    b = writeTestCustomer(customersDir);
    c = writeTestCustomer(customersDir);
    readToken = addToken(customersDir, a, 'console-operator-read', ['read']);
    await positionGroup(env.kafkaBrokers, groups.vaultLoader, CONSUMER_SUBSCRIPTIONS.vaultLoader);
    // Sign-ins are counted per address, on the shared Redis when the stack has one: other specs' count too.
    const settings = { CUSTOMERS_DIR: customersDir, CONSOLE_DIR, CONSOLE_SIGN_IN_RATE_LIMIT_PER_MINUTE: '1000', ...groupSettings };
    gateways = await Promise.all([startGateway(env, settings), startGateway(env, settings)]);
    loader = await startVaultLoader(env, groups.vaultLoader, { CUSTOMERS_DIR: customersDir });
    startedAt = new Date(Date.now() - 1000);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([...gateways.map((gateway) => gateway.close()), loader?.close()]);
    await admin?.disconnect();
    await db?.end();
  });

  it("sums both gateway instances' latency into one overview, and lists the last errors without token, address or payload", async () => {
    const [first, second] = gateways as [RunningService, RunningService];
    const event = (customer: TestCustomer, i: number) => ({
      event_type: 'page_view',
      event_name: `operator ${i}`,
      page_url: `${customer.origin}/operator-${i}`,
      session_id: `operator-${customer.id}`,
      occurred_at: new Date(Date.now() - 5_000 - i * 1000).toISOString(),
      consent_state: 'granted',
    });
    // EVENTS events for A, one request each, alternating between the instances.
    for (let i = 0; i < EVENTS; i += 1) {
      const answer = await call(i % 2 === 0 ? first : second, 'POST', '/api/v1/track', { body: event(a, i), headers: bearer(a) });
      expect(answer.status).toBe(200);
    }
    // Errors: an invalid event through the second instance, a wrong token naming A through the first.
    const invalid = await call(second, 'POST', '/api/v1/track', { body: { ...event(a, 99), event_type: PAYLOAD_MARKER, page_url: `not a url ${PAYLOAD_MARKER}` }, headers: bearer(a) });
    expect(invalid.status).toBe(400);
    const wrongToken = `ovt_test_${randomUUID().replace(/-/g, '')}`;
    const refused = await call(first, 'GET', '/console/api/overview', { headers: bearer(a, wrongToken) });
    expect(refused.status).toBe(401);

    const overview = () => call(first, 'GET', '/console/api/overview', { headers: bearer(a, readToken) });
    type Latency = { minute: string; requests: number; errors: number; p50_ms: number | null; p99_ms: number | null };
    const sumOf = (answer: Answer, field: 'requests' | 'errors') => (answer.body['latency_per_minute'] as Latency[]).reduce((sum, minute) => sum + minute[field], 0);
    // Both instances flush every two seconds, each on its own schedule, and the overview's own reads
    // count too: the request total can be reached before the instance that answered 400 has flushed.
    const answer = await waitFor(
      overview,
      (found) => found.status === 200 && sumOf(found, 'requests') >= EVENTS + 2 && sumOf(found, 'errors') >= 2 && (found.body['recent_errors'] as unknown[]).length >= 2,
      { what: 'both instances’ requests and errors in the overview', timeoutMs: 20_000 },
    );
    const latency = answer.body['latency_per_minute'] as Latency[];
    expect(latency).toHaveLength(60);
    const busy = latency.filter((minute) => minute.requests > 0);
    expect(busy.every((minute) => minute.p50_ms !== null && minute.p99_ms !== null && (minute.p99_ms as number) >= (minute.p50_ms as number))).toBe(true);
    expect(busy.reduce((sum, minute) => sum + minute.errors, 0)).toBeGreaterThanOrEqual(2);
    console.log(`gateway latency per busy minute (p50/p99 ms): ${busy.map((minute) => `${minute.requests} req ${minute.p50_ms}/${minute.p99_ms}`).join('; ')}`);

    const errors = answer.body['recent_errors'] as Array<{ at: string; status: number; error_code: string; route: string; message: string }>;
    expect(errors.length).toBeLessThanOrEqual(20);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ status: 400, error_code: 'INVALID_REQUEST', route: '/api/v1/track' }),
        expect.objectContaining({ status: 401, error_code: 'UNAUTHORIZED', route: '/console/api/overview', message: 'Refused before authentication (invalid_credentials)' }),
      ]),
    );
    const text = JSON.stringify(errors);
    expect(text).not.toContain(wrongToken);
    expect(text).not.toContain(a.token);
    expect(text).not.toContain(PAYLOAD_MARKER);
    expect(text).not.toMatch(/127\.0\.0\.1|::1|::ffff/);
    // The second instance answers the same from the shared tables.
    const fromSecond = await call(second, 'GET', '/console/api/overview', { headers: bearer(a, readToken) });
    expect((fromSecond.body['recent_errors'] as unknown[]).length).toBeGreaterThanOrEqual(2);
    // B's overview holds none of A's requests or errors.
    const ofB = await call(second, 'GET', '/console/api/overview', { headers: bearer(b) });
    expect(ofB.status).toBe(200);
    expect(ofB.body['recent_errors']).toEqual([]);
    expect(sumOf(ofB, 'requests')).toBeLessThanOrEqual(1);
  }, 60_000);

  it('lists every customer with volume and health for an operator, and refuses a customer session and a customer bearer', async () => {
    await waitFor(() => staged(a), (n) => n === EVENTS, { what: "A's events staged", timeoutMs: 60_000 });
    // A: enough good requests that its two errors are under a fifth; B: nothing but refusals (failing); C: nothing (quiet).
    for (let i = 0; i < 12; i += 1) expect((await call(gateways[i % 2] as RunningService, 'GET', '/console/api/overview', { headers: bearer(a, readToken) })).status).toBe(200);
    for (let i = 0; i < 10; i += 1) {
      const refused = await call(gateways[i % 2] as RunningService, 'POST', '/api/v1/track', { body: { event_type: 'page_view', page_url: 'not a url' }, headers: bearer(b) });
      expect(refused.status).toBe(400);
    }
    type Row = { customer_id: string; events_last_hour: number; accepted_last_hour: number; rejected_last_hour: number; last_event_at: string | null; events_per_minute: number[]; state: string; reason: string; gateway: { requests: number; errors: number; error_rate: number | null; p99_ms: number | null } };
    const list = await waitFor(
      () => call(gateways[1] as RunningService, 'GET', '/console/api/customers', { headers: operator }),
      // The gateway's refusals count as rejected events once the loader has stored them (raw.rejected_events_r).
      (found) => {
        const rows = found.status === 200 ? (found.body['customers'] as Row[]) : [];
        const of = (id: string) => rows.find((row) => row.customer_id === id);
        return (of(b.id)?.gateway.requests ?? 0) >= 10 && of(b.id)?.rejected_last_hour === 10 && of(a.id)?.rejected_last_hour === 1;
      },
      { what: "A's health in the operators' list", timeoutMs: 20_000 },
    );
    const rows = list.body['customers'] as Row[];
    const rowA = rows.find((row) => row.customer_id === a.id) as Row;
    const rowB = rows.find((row) => row.customer_id === b.id) as Row;
    const rowC = rows.find((row) => row.customer_id === c.id) as Row;
    // A: its EVENTS events and the one invalid event the gateway refused.
    expect(rowA).toMatchObject({ events_last_hour: EVENTS + 1, accepted_last_hour: EVENTS, rejected_last_hour: 1, state: 'ok' });
    expect(rowA.last_event_at).not.toBeNull();
    expect(rowA.events_per_minute).toHaveLength(60);
    expect(rowA.events_per_minute.reduce((sum, n) => sum + n, 0)).toBe(EVENTS + 1);
    expect(rowA.gateway.errors).toBeGreaterThanOrEqual(2);
    expect(rowA.gateway.p99_ms).not.toBeNull();
    expect(rowA.gateway.error_rate).toBeLessThan(0.2);
    expect(rowB).toMatchObject({ events_last_hour: 10, accepted_last_hour: 0, rejected_last_hour: 10, state: 'failing' });
    // B's own overview read in the first test is its one success.
    expect(rowB.reason).toMatch(/^10 of 1[01] gateway requests answered with an error in the last hour \(\d+(\.\d)? %\)$/);
    expect(rowC).toMatchObject({ events_last_hour: 0, state: 'quiet', reason: 'no events received yet', gateway: { requests: 0, error_rate: null } });
    console.log(`customers: ${rows.map((row) => `${row.customer_id} ${row.state} (p99 ${row.gateway.p99_ms} ms, ${row.gateway.requests} requests)`).join('; ')}`);

    const customerSession = await signIn({ customer_id: a.id, token: readToken });
    const bySession = await call(gateways[0] as RunningService, 'GET', '/console/api/customers', { headers: { Cookie: customerSession.cookie } });
    expect([bySession.status, bySession.body['error_code']]).toEqual([403, 'FORBIDDEN']);
    const byBearer = await call(gateways[0] as RunningService, 'GET', '/console/api/customers', { headers: bearer(a, readToken) });
    expect([byBearer.status, byBearer.body['error_code']]).toEqual([401, 'UNAUTHORIZED']);
    const replayBySession = await call(gateways[0] as RunningService, 'POST', '/console/api/replay', {
      headers: { Cookie: customerSession.cookie, 'X-CSRF-Token': customerSession.csrf },
      body: { services: ['vault-loader'], from: startedAt.toISOString(), dry_run: true },
    });
    expect([replayBySession.status, replayBySession.body['error_code']]).toEqual([403, 'FORBIDDEN']);
  }, 90_000);

  it('dry run: per service and partition the offsets offsetsForTimes gives, the records read again (the test’s own among them), and nothing moves', async () => {
    await waitFor(() => groupLag(env.kafkaBrokers, groups.vaultLoader, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'loader caught up', timeoutMs: 60_000 });
    // The stopped services' groups stand after the test's records: a replay from startedAt reads them again.
    await positionGroup(env.kafkaBrokers, groups.automationTrigger, CONSUMER_SUBSCRIPTIONS.automationTrigger);
    await positionGroup(env.kafkaBrokers, groups.exporter, CONSUMER_SUBSCRIPTIONS.exporter);
    const before = { at: await committed(groups.automationTrigger, CONSUMER_SUBSCRIPTIONS.automationTrigger), ex: await committed(groups.exporter, CONSUMER_SUBSCRIPTIONS.exporter) };

    const session = await signIn({ operator_token: TEST_ADMIN_TOKEN });
    const body = { services: ['vault-loader', 'automation-trigger', 'exporter'], from: startedAt.toISOString(), dry_run: true };
    const noCsrf = await call(gateways[0] as RunningService, 'POST', '/console/api/replay', { headers: { Cookie: session.cookie }, body });
    expect([noCsrf.status, noCsrf.body['error_code']]).toEqual([403, 'FORBIDDEN']);
    const badFrom = await call(gateways[0] as RunningService, 'POST', '/console/api/replay', { headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrf }, body: { ...body, from: 'yesterday' } });
    expect([badFrom.status, badFrom.body['error_code']]).toEqual([400, 'INVALID_REQUEST']);
    expect(String(badFrom.body['error'] ?? badFrom.body['message'])).toContain('from');

    const dry = await call(gateways[0] as RunningService, 'POST', '/console/api/replay', { headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrf }, body });
    expect(dry.status).toBe(200);
    const plan = dry.body as unknown as ReplayAnswer;
    expect(plan).toMatchObject({ dry_run: true, moved: false });
    expect(plan.services.map((service) => [service.service, service.group])).toEqual([
      ['vault-loader', groups.vaultLoader],
      ['automation-trigger', groups.automationTrigger],
      ['exporter', groups.exporter],
    ]);
    const expectedTargets = new Map((await admin.fetchTopicOffsetsByTimestamp(TOPICS.trackingEvents, startedAt.getTime())).map((entry) => [entry.partition, entry.offset]));
    for (const service of plan.services) {
      expect(service.effect).not.toBe('');
      const events = service.topics.find((topic) => topic.topic === TOPICS.trackingEvents);
      expect(events?.partitions.length).toBe(expectedTargets.size);
      let sum = 0n;
      for (const partition of events?.partitions ?? []) {
        const expected = expectedTargets.get(partition.partition) as string;
        // offsetsForTimes: -1 means no record that late, where the replay stays at the end.
        if (BigInt(expected) >= 0n) expect(partition.target).toBe(expected);
        expect(BigInt(partition.records)).toBe(BigInt(partition.committed ?? '0') - BigInt(partition.target));
        sum += BigInt(partition.records);
      }
      const windows = (events?.partitions ?? []).map((partition) => ({ partition: partition.partition, from: BigInt(partition.target), to: BigInt(partition.committed ?? partition.target) }));
      // The test's own records are all in the window the plan reads again, once each.
      expect(await customerRecordsIn(TOPICS.trackingEvents, windows, a.id)).toBe(EVENTS);
      expect(sum).toBeGreaterThanOrEqual(BigInt(EVENTS));
      console.log(`dry run ${service.service}: ${service.records_read_again} records read again on ${service.topics.length} topic(s)`);
    }
    expect(plan.services[0]?.live_members).toBeGreaterThan(0);
    // Nothing moved: the stopped groups' offsets are where they were.
    expect(await committed(groups.automationTrigger, CONSUMER_SUBSCRIPTIONS.automationTrigger)).toEqual(before.at);
    expect(await committed(groups.exporter, CONSUMER_SUBSCRIPTIONS.exporter)).toEqual(before.ex);
  }, 120_000);

  it('a real replay refuses (409, nothing moved) while a named service runs, and moves the groups once they are stopped, as the CLI does', async () => {
    const session = await signIn({ operator_token: TEST_ADMIN_TOKEN });
    const headers = { Cookie: session.cookie, 'X-CSRF-Token': session.csrf };
    const body = { services: ['vault-loader', 'automation-trigger'], from: startedAt.toISOString(), dry_run: false };
    const before = await committed(groups.automationTrigger, CONSUMER_SUBSCRIPTIONS.automationTrigger);
    const refused = await call(gateways[1] as RunningService, 'POST', '/console/api/replay', { headers, body });
    expect([refused.status, refused.body['error_code']]).toEqual([409, 'CONFLICT']);
    expect(String(refused.body['error'])).toMatch(/vault-loader.*still running/);
    expect(await committed(groups.automationTrigger, CONSUMER_SUBSCRIPTIONS.automationTrigger)).toEqual(before);

    await loader?.close();
    loader = undefined;
    await waitFor(() => members(groups.vaultLoader), (n) => n === 0, { what: 'the loader’s group empty', timeoutMs: 30_000 });
    const moved = await call(gateways[1] as RunningService, 'POST', '/console/api/replay', { headers: { ...operator }, body });
    expect(moved.status).toBe(200);
    const plan = moved.body as unknown as ReplayAnswer;
    expect(plan.moved).toBe(true);
    for (const service of plan.services) {
      const offsets = await admin.fetchOffsets({ groupId: service.group, topics: service.topics.map((topic) => topic.topic) });
      for (const topic of service.topics) {
        const now = new Map((offsets.find((entry) => entry.topic === topic.topic)?.partitions ?? []).map((p) => [p.partition, p.offset]));
        for (const partition of topic.partitions) expect(now.get(partition.partition)).toBe(partition.target);
      }
    }
    const again = BigInt(plan.services[0]?.records_read_again ?? '0');
    expect(again).toBeGreaterThanOrEqual(BigInt(EVENTS));

    // The loader reads them again; the vault deduplicates: still EVENTS rows for A.
    loader = await startVaultLoader(env, groups.vaultLoader, { CUSTOMERS_DIR: customersDir });
    await waitFor(() => groupLag(env.kafkaBrokers, groups.vaultLoader, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'loader caught up after the replay', timeoutMs: 90_000 });
    expect(await staged(a)).toBe(EVENTS);
    console.log(`real replay: vault-loader read ${again} records again; A still has ${EVENTS} staged events`);
  }, 180_000);

  describe('in the browser', () => {
    let chrome: ConsoleBrowser;
    let page: Page;

    beforeAll(async () => {
      chrome = await ConsoleBrowser.launch((gateways[0] as RunningService).url);
      page = chrome.page;
    }, 60_000);

    afterAll(async () => {
      await chrome?.close();
    });

    it("shows a customer's Overview with the latency plot and the last errors, and no operator page", async () => {
      await chrome.signIn((gateways[0] as RunningService).url, a.id, readToken);
      await page.getByRole('heading', { name: 'Gateway latency (p50 / p99)' }).waitFor();
      await page.locator('.gateway-error').first().waitFor();
      expect(await page.locator('.latency-chart canvas').count()).toBeGreaterThan(0);
      expect(await page.getByRole('img', { name: /Gateway latency over the last hour: \d+ requests/ }).count()).toBe(1);
      expect(await page.locator('.gateway-error').count()).toBeGreaterThanOrEqual(2);
      expect(await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Customers' }).count()).toBe(0);
      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('overview-latency-1280x800');
      const phone = await chrome.checkPhone('overview-latency-390x844');
      expect(phone.scrollWidth).toBeLessThanOrEqual(PHONE.width);
      expect(phone.violations).toEqual([]);
      // A customer typing an operator page's address lands on its Overview.
      await page.goto(`${(gateways[0] as RunningService).url}/console/customers`);
      await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to the tracking console' }).waitFor();
    }, 60_000);

    it('shows the operators their Customers (picking one opens its Overview) and the Replay dry run', async () => {
      await page.getByLabel('Operator', { exact: true }).check();
      await page.getByLabel('Operator token').fill(TEST_ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();

      await chrome.open('Customers');
      const row = page.locator('.customer-row', { has: page.getByRole('button', { name: `Read ${a.id}` }) });
      await row.waitFor();
      expect(await row.locator('.badge').textContent()).toBe('ok');
      expect(await page.locator('.customer-row.failing').count()).toBe(1);
      expect(await page.locator('.customer-row.quiet').count()).toBeGreaterThanOrEqual(1);
      expect(await row.locator('svg.sparkline').count()).toBe(1);
      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('customers-1280x800');
      const phone = await chrome.checkPhone('customers-390x844');
      expect(phone.scrollWidth).toBeLessThanOrEqual(PHONE.width);
      expect(phone.violations).toEqual([]);
      await page.getByRole('button', { name: `Read ${a.id}` }).click();
      await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
      expect(await page.getByLabel('Customer', { exact: true }).inputValue()).toBe(a.id);

      await chrome.open('Replay');
      await page.getByRole('button', { name: 'Dry run' }).click();
      await page.getByRole('heading', { name: /^Dry run from .*: nothing moved$/ }).waitFor();
      expect(await page.locator('.replay-service').count()).toBe(1);
      expect(await page.locator('.replay-service tbody tr').count()).toBeGreaterThan(0);
      // The loader runs: the real run is not offered.
      expect(await page.getByRole('button', { name: 'Replay now' }).isDisabled()).toBe(true);
      expect(await chrome.axeViolations()).toEqual([]);
      await chrome.screenshot('replay-1280x800');
      const replayPhone = await chrome.checkPhone('replay-390x844');
      expect(replayPhone.scrollWidth).toBeLessThanOrEqual(PHONE.width);
      expect(replayPhone.violations).toEqual([]);
      await page.setViewportSize(DESKTOP);
    }, 60_000);

    it('had no console error and no CSP violation', async () => {
      expect(await chrome.cspViolations()).toEqual([]);
      expect(chrome.problems).toEqual([]);
    });
  });
});
