import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { TOPICS, type TrackingEvent } from '@tracking/contracts';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { ErasurePublisher, subjectHash } from '@tracking/privacy';
import { runCli, type CliRun } from '@test/support/cli';
import { startGateway, TEST_HASH_KEY, type RunningService } from '@test/support/in-process-services';
import { applyTestCustomers, customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testRegistrySettings } from '@test/support/test-connection';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';
import { readTopic, topicPositions, type DecodedRecord, type Positions } from '@test/support/topic-reader';
import type { BackfillSummary } from '@tools/cli/backfill/backfill-summary';

const FIXTURES = join(__dirname, '..', 'fixtures', 'backfill');
const SITE = 'https://www.example.com';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0';
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Big enough for the fixtures' 2024 dates: the gateway must accept the request the access log line stands for. */
const GATEWAY_MAX_EVENT_AGE_HOURS = String(24 * 365 * 20);

describe('tracking backfill', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  const workDir = mkdtempSync(join(tmpdir(), 'it-backfill-'));
  const cliEnv = { TRACKING_HASH_KEY: TEST_HASH_KEY, CUSTOMERS_DIR: customersDir };

  /** Copies a fixture into a directory of its own, so the default rejects file lands beside it and nowhere shared. */
  const fixture = (name: string, transform: (content: Buffer) => Buffer = (content) => content, as = name): string => {
    const path = join(mkdtempSync(join(workDir, 'run-')), as);
    writeFileSync(path, transform(readFileSync(join(FIXTURES, name))));
    return path;
  };
  const backfill = (args: string[], extraEnv: Record<string, string> = cliEnv): Promise<CliRun> => runCli(env, ['--json', 'backfill', ...args], extraEnv);
  const summaryOf = (run: CliRun): BackfillSummary => {
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(run.stdout) as BackfillSummary;
  };
  const backfilledOf = (records: DecodedRecord<TrackingEvent>[], customer: TestCustomer): DecodedRecord<TrackingEvent>[] =>
    records.filter((record) => record.value.customer_id === customer.id && record.value.source === 'backfill');
  const readBackfilled = async (from: Positions, customer: TestCustomer, count: number): Promise<DecodedRecord<TrackingEvent>[]> =>
    backfilledOf(await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) => backfilledOf(seen, customer).length >= count), customer);

  describe('an access log backfilled twice', () => {
    let customer: TestCustomer;
    let gateway: RunningService;
    let logPath: string;
    let runs: BackfillSummary[];
    let firstRecords: DecodedRecord<TrackingEvent>[];
    let secondRecords: DecodedRecord<TrackingEvent>[];
    const firstRun = (): TrackingEvent[] => firstRecords.map((record) => record.value);
    const byPath = (path: string): TrackingEvent[] => firstRun().filter((event) => new URL(event.page_url ?? '').pathname === path);

    beforeAll(async () => {
      customer = writeTestCustomer(customersDir, { privacy: { ip_address_hashing: true } });
      gateway = await startGateway(env, { CUSTOMERS_DIR: customersDir, TRUST_PROXY: 'true', TRACKING_MAX_EVENT_AGE_HOURS: GATEWAY_MAX_EVENT_AGE_HOURS });
      logPath = fixture('access.log');
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      runs = [summaryOf(await backfill(['--customer', customer.id, '--site', SITE, logPath]))];
      const between = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      runs.push(summaryOf(await backfill(['--customer', customer.id, '--site', SITE, logPath])));
      const all = await readBackfilled(from, customer, 14);
      const inFirstRun = (record: DecodedRecord<TrackingEvent>): boolean => BigInt(record.offset) < BigInt(between.get(record.partition) ?? '0');
      firstRecords = all.filter(inFirstRun);
      secondRecords = all.filter((record) => !inFirstRun(record));
    });

    afterAll(async () => {
      await gateway?.close();
    });

    it('publishes the page views and counts the assets, the 404, the POST and the malformed line', () => {
      for (const summary of runs) {
        expect(summary).toEqual({
          customer: customer.id,
          dryRun: false,
          files: 1,
          lines: 15,
          accepted: 7,
          published: 7,
          duplicates: 0,
          erased: 0,
          rejected: { total: 1, byReason: { malformed_line: 1 } },
          skipped: { total: 7, byReason: { asset: 5, unsuccessful_status: 1, not_get: 1 } },
          rejectsFile: `${logPath}.rejects.jsonl`,
        });
      }
      expect(firstRun().map((event) => new URL(event.page_url ?? '').pathname).sort()).toEqual(
        ['/', '/account/reset', '/blog/spring-sale', '/old-pricing', '/pricing', '/pricing', '/products/widgets'].sort(),
      );
    });

    it('holds each page view once by event id after both runs, the second run\'s identical to the first\'s', () => {
      expect([firstRecords.length, secondRecords.length]).toEqual([7, 7]);
      const firstIds = firstRun().map((event) => event.event_id);
      expect(new Set(firstIds).size).toBe(7);
      for (const id of firstIds) expect(id).toMatch(UUID_V8);
      expect(new Set([...firstRecords, ...secondRecords].map((record) => record.value.event_id))).toEqual(new Set(firstIds));
      const firstById = new Map(firstRecords.map((record) => [record.value.event_id, record]));
      for (const second of secondRecords) {
        const first = firstById.get(second.value.event_id);
        expect(second.value).toEqual(first?.value);
        expect({ key: second.key, headers: second.headers, partition: second.partition }).toEqual({ key: first?.key, headers: first?.headers, partition: first?.partition });
      }
    });

    it('keeps the log\'s times and cuts sessions by address, browser and 30 minutes without a request', () => {
      const [home] = byPath('/');
      expect(home).toMatchObject({ occurred_at: Date.parse('2024-03-10T08:00:01Z'), received_at: Date.parse('2024-03-10T08:00:01Z'), event_type: 'page_view', source: 'backfill' });
      const session = (path: string, userAgent: string): string | null => byPath(path).find((event) => event.user_agent === userAgent)?.session_id ?? null;
      expect(session('/', CHROME)).toMatch(UUID_V8);
      expect(session('/products/widgets', CHROME)).toBe(session('/', CHROME));
      expect(session('/blog/spring-sale', CHROME)).not.toBe(session('/', CHROME));
      expect(session('/account/reset', FIREFOX)).toBe(session('/pricing', FIREFOX));
      expect(session('/old-pricing', FIREFOX)).toBe(session('/pricing', FIREFOX));
      expect(new Set(firstRun().map((event) => event.session_id)).size).toBe(4);
    });

    it('leaves bots to the pipeline\'s bot detection, which marks them', () => {
      const bot = byPath('/pricing').find((event) => event.user_agent?.includes('Googlebot'));
      expect(bot).toMatchObject({ suspicious: true, security_score: 50 });
      expect(byPath('/pricing').find((event) => event.user_agent === FIREFOX)).toMatchObject({ suspicious: false, security_score: 100 });
    });

    it('applies the privacy rules exactly as the gateway does to the same request', async () => {
      const [reset] = byPath('/account/reset');
      expect(reset.page_url).toBe(`${SITE}/account/reset?token=REDACTED&step=2`);
      expect(reset.ip_address).toMatch(/^hmac:[0-9a-f]{32}$/);
      expect(byPath('/pricing').find((event) => event.user_agent === FIREFOX)?.ip_address).toBe(reset.ip_address);
      expect(byPath('/').at(0)?.ip_address).not.toBe(reset.ip_address);
      expect(byPath('/products/widgets').at(0)).toMatchObject({ utm_source: 'newsletter', utm_campaign: 'spring', referrer_domain: 'example.com' });

      // What the access log line stands for, sent to the gateway from the same address and browser.
      const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
      const response = await fetch(`${gateway.url}/api/v1/track`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Customer-ID': customer.id,
          Authorization: `Bearer ${customer.token}`,
          'User-Agent': FIREFOX,
          'X-Forwarded-For': '198.51.100.23',
        },
        body: JSON.stringify({
          event_type: 'page_view',
          page_url: `${SITE}/account/reset?token=secret&step=2`,
          referrer: `${SITE}/pricing`,
          occurred_at: new Date(reset.occurred_at).toISOString(),
          session_id: reset.session_id,
          // A log cannot know the visitor's answer to a consent banner: backfilled page views say so.
          consent_state: 'pending',
        }),
      });
      expect(response.status).toBe(200);
      const [live] = (await readTopic<TrackingEvent>(env, TOPICS.trackingEvents, from, (seen) => seen.some((r) => r.value.customer_id === customer.id))).filter(
        (record) => record.value.customer_id === customer.id,
      );
      const comparable = ({ event_id: _id, received_at: _received, source: _source, key_id: _key, ...event }: TrackingEvent) => event;
      expect(comparable(reset)).toEqual(comparable(live.value));
    });

    it('writes the malformed line to the rejects file with its file, line number, reason and raw text', () => {
      const rejects = readFileSync(`${logPath}.rejects.jsonl`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(rejects).toEqual([
        {
          file: logPath,
          line: 11,
          code: 'malformed_line',
          reason: expect.stringContaining('not Combined Log Format'),
          raw: '198.51.100.23 - - [10/Mar/2024:09:05:4',
        },
      ]);
    });
  });

  it('backfills gzipped JSON Lines: known ids kept, repeated lines once, bad and unconsented lines rejected', async () => {
    const customer = writeTestCustomer(customersDir, { privacy: { consent_required: true } });
    const path = fixture('events.jsonl', (content) => gzipSync(content), 'events.jsonl.gz');
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const summary = summaryOf(await backfill(['--customer', customer.id, path]));
    expect(summary).toMatchObject({
      lines: 9,
      accepted: 3,
      published: 3,
      duplicates: 1,
      rejected: { total: 4, byReason: { invalid_event: 1, consent_pending: 1, missing_time: 1, invalid_json: 1 } },
      skipped: { total: 1, byReason: { blank_line: 1 } },
    });
    const events = (await readBackfilled(from, customer, 3)).map((record) => record.value);
    expect(events).toHaveLength(3);
    expect(events.find((event) => event.event_id === 'crm-export-000042')).toMatchObject({ event_type: 'form_submit', session_id: 'sess_hist_2' });
    expect(events.find((event) => event.event_type === 'item_interaction')).toMatchObject({ event_name: 'add_to_cart', event_data: '{"sku":"W-1","price":19.99}' });
    const rejects = readFileSync(`${path}.rejects.jsonl`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { line: number; code: string });
    expect(rejects.map(({ line, code }) => [line, code])).toEqual([
      [4, 'invalid_event'],
      [5, 'consent_pending'],
      [6, 'missing_time'],
      [8, 'invalid_json'],
    ]);
  });

  it('publishes no access-log page view for a customer that requires consent, and copies none of those lines to the rejects file', async () => {
    const customer = writeTestCustomer(customersDir, { privacy: { consent_required: true } });
    const path = fixture('access.log', (content) => content, 'consent-access.log');
    const summary = summaryOf(await backfill(['--customer', customer.id, '--site', SITE, path]));
    expect(summary).toMatchObject({ published: 0, rejected: { byReason: { consent_pending: 7 } } });
    const rejects = readFileSync(`${path}.rejects.jsonl`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { code: string; raw: string });
    expect(rejects.filter((reject) => reject.code === 'consent_pending').every((reject) => reject.raw === '')).toBe(true);
  });

  it('backfills CSV with quoted commas, quotes and line breaks, extra columns going into event_data', async () => {
    const customer = writeTestCustomer(customersDir);
    const path = fixture('events.csv');
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const summary = summaryOf(await backfill(['--customer', customer.id, path]));
    expect(summary).toMatchObject({
      lines: 6,
      accepted: 2,
      published: 2,
      rejected: { total: 3, byReason: { invalid_event: 1, malformed_csv: 2 } },
      skipped: { total: 1, byReason: { csv_header: 1 } },
    });
    const events = (await readBackfilled(from, customer, 2)).map((record) => record.value);
    expect(events.find((event) => event.event_type === 'page_view')).toMatchObject({ utm_source: 'google', utm_campaign: 'autumn', visitor_id: 'vis_csv_1', referrer_domain: 'google.com' });
    const signup = events.find((event) => event.event_type === 'form_submit');
    expect(signup).toMatchObject({ event_name: 'signup', user_id: 'usr_1', session_id: 'sess_csv_1' });
    expect(JSON.parse(signup?.event_data ?? '{}')).toEqual({ plan: 'pro, annual', note: 'said "hi"\non two lines' });
  });

  it("does not publish an erased subject's events again (privacy.erasures.v1, issue 20), nor copy their lines anywhere", async () => {
    const customer = writeTestCustomer(customersDir);
    const publisher = new ErasurePublisher(testKafka(env.kafkaBrokers, 'it-backfill-erasure'), new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl)));
    try {
      await publisher.publish({
        request_id: randomUUID(),
        customer_id: customer.id,
        requested_at: Date.now(),
        requested_by: 'integration-test',
        visitor_hks: [],
        user_hks: [subjectHash(customer.id, 'usr_1')],
      });
    } finally {
      await publisher.disconnect();
    }
    const path = fixture('events.csv');
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const summary = summaryOf(await backfill(['--customer', customer.id, path]));
    expect(summary).toMatchObject({ accepted: 1, published: 1, erased: 1 });
    const events = (await readBackfilled(from, customer, 1)).map((record) => record.value);
    expect(events.map((event) => [event.event_type, event.user_id])).toEqual([['page_view', null]]);
    expect(readFileSync(`${path}.rejects.jsonl`, 'utf8')).not.toContain('usr_1');
  });

  it('reads the customer from the shared customer topic when no directory is named, as the gateway does', async () => {
    const customer = writeTestCustomer(customersDir);
    const path = fixture('events.csv');
    const topicOnly = { TRACKING_HASH_KEY: TEST_HASH_KEY };
    const unknown = await backfill(['--customer', customer.id, '--dry-run', path], topicOnly);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`unknown customer ${customer.id} in ${TOPICS.customers}`);
    await applyTestCustomers(env, customersDir, [customer.id]);
    expect(summaryOf(await backfill(['--customer', customer.id, '--dry-run', path], topicOnly))).toMatchObject({ dryRun: true, accepted: 2, published: 0 });
  });

  it('publishes nothing with --dry-run, and the same file then publishes as counted', async () => {
    const customer = writeTestCustomer(customersDir);
    const path = fixture('events.csv');
    const before = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    expect(summaryOf(await backfill(['--customer', customer.id, '--dry-run', path]))).toMatchObject({ dryRun: true, accepted: 2, published: 0 });
    const afterDryRun = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    expect(summaryOf(await backfill(['--customer', customer.id, path]))).toMatchObject({ dryRun: false, accepted: 2, published: 2 });
    // Read from before the dry run: anything it had published would come first on the same partitions.
    const records = await readBackfilled(before, customer, 2);
    expect(records).toHaveLength(2);
    for (const record of records) expect(BigInt(record.offset)).toBeGreaterThanOrEqual(BigInt(afterDryRun.get(record.partition) ?? '0'));
  });

  it('lists every option in --help', async () => {
    const help = await runCli(env, ['backfill', '--help']);
    expect(help.code).toBe(0);
    for (const option of ['--customer <id>', '--format <format>', '--site <url>', '--customers-dir <dir>', '--hash-key <key>', '--rejects <file>', '--dry-run', '--batch <n>']) {
      expect(help.stdout).toContain(option);
    }
    expect(help.stdout).toContain('TRACKING_HASH_KEY');
  });

  describe('refuses to run, saying what to do', () => {
    const failure = async (args: string[], extraEnv: Record<string, string> = cliEnv): Promise<string> => {
      const run = await runCli(env, args, extraEnv);
      expect(run.code).toBe(1);
      return run.stderr;
    };
    let logPath: string;
    let customer: TestCustomer;

    beforeAll(() => {
      logPath = fixture('access.log');
      customer = writeTestCustomer(customersDir);
    });

    it('without the hash key', async () => {
      const stderr = await failure(['backfill', '--customer', customer.id, '--site', SITE, logPath], { CUSTOMERS_DIR: customersDir });
      expect(stderr).toContain('error: no hash key');
      expect(stderr).toContain('TRACKING_HASH_KEY');
    });

    it('for an unknown customer, a missing file or an access log without --site', async () => {
      expect(await failure(['backfill', '--customer', 'no_such_customer', '--site', SITE, logPath])).toContain('unknown customer no_such_customer');
      expect(await failure(['backfill', '--customer', customer.id, join(workDir, 'missing.log')])).toContain('does not exist');
      expect(await failure(['backfill', '--customer', customer.id, logPath])).toContain('--site is required');
    });

    it('while Kafka is down', async () => {
      const stderr = await failure(['--brokers', '127.0.0.1:1', 'backfill', '--customer', customer.id, '--site', SITE, logPath]);
      expect(stderr).toContain('cannot publish to Kafka at 127.0.0.1:1');
      expect(stderr).toContain('npm run stack:up');
    });
  });
});
