import { TOPICS, type AbuseKind, type AuditRecord } from '@tracking/contracts';
import { startGateway, type RunningService } from '@test/support/in-process-services';
import { customersDirectory, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { readTopic, topicPositions, type DecodedRecord, type Positions } from '@test/support/topic-reader';

const BURST = 40;
const RECORDS_PER_INTERVAL = 3;
const CUSTOMER_HOURLY_LIMIT = 5;
const KINDS: AbuseKind[] = ['invalid_credentials', 'origin_mismatch', 'rate_limited'];

/**
 * Issue 23 (seed 002's TrackingAbuseEvent) on the real gateway and Kafka: a burst of wrong keys,
 * of a publishable key from a disallowed origin and of requests over the customer's limit is
 * recorded on tracking.audit.v1 per customer and kind without a record per request (the first
 * RECORDS_PER_INTERVAL of each interval keep their own, then one summary per interval counts them
 * all) and counted in the gateway's metrics.
 */
describe('abuse records: a burst of bad keys, wrong origins and over-limit requests', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  let gateway: RunningService;
  let customer: TestCustomer;
  let from: Positions;
  let records: Array<DecodedRecord<AuditRecord>>;
  const statuses: Record<string, number[]> = {};

  /** A counter's value by its name and leading labels (the registry appends its default labels after them). */
  const metric = async (prefix: string): Promise<number> => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    return Number(text.split('\n').find((entry) => entry.startsWith(`${prefix},`) || entry.startsWith(`${prefix}}`))?.split(' ').pop() ?? 0);
  };
  const summariesOf = (kind: AbuseKind) => records.filter((record) => record.value.abuse_kind === kind && record.value.abuse_count !== null).map((record) => record.value);
  const ownRecordsOf = (kind: AbuseKind) => records.filter((record) => record.value.abuse_kind === kind && record.value.abuse_count === null).map((record) => record.value);
  const summed = (kind: AbuseKind) => summariesOf(kind).reduce((sum, record) => sum + Number(record.abuse_count), 0);

  beforeAll(async () => {
    customer = writeTestCustomer(customersDir, { apiRateLimit: CUSTOMER_HOURLY_LIMIT });
    gateway = await startGateway(env, {
      CUSTOMERS_DIR: customersDir,
      TRACKING_ABUSE_SUMMARY_SECONDS: '2',
      TRACKING_ABUSE_RECORDS_PER_INTERVAL: String(RECORDS_PER_INTERVAL),
      TRACKING_INGEST_RATE_LIMIT_PER_MINUTE: '100000',
    });
    from = await topicPositions(env.kafkaBrokers, TOPICS.trackingAudit);
    const event = JSON.stringify({ event_type: 'page_view', page_url: `${customer.origin}/`, session_id: 's-1' });
    const track = (token: string) =>
      fetch(`${gateway.url}/api/v1/track`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Customer-ID': customer.id, Authorization: `Bearer ${token}` }, body: event });
    const bursts: Record<string, () => Promise<Response>> = {
      invalid_credentials: () => track(`ovt_test_${'0'.repeat(32)}`),
      origin_mismatch: () =>
        fetch(`${gateway.url}/api/v1/tracking/collect?customer_id=${customer.id}&key=${customer.publishableKey}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Origin: 'https://attacker.example' },
          body: event,
        }),
      rate_limited: () => track(customer.token),
    };
    for (const [kind, send] of Object.entries(bursts)) {
      const count = kind === 'rate_limited' ? BURST + CUSTOMER_HOURLY_LIMIT : BURST;
      statuses[kind] = await Promise.all(Array.from({ length: count }, async () => (await send()).status));
    }
    records = await readTopic<AuditRecord>(
      env,
      TOPICS.trackingAudit,
      from,
      (seen) => {
        records = seen.filter((record) => record.value.abuse_customer_id === customer.id);
        return KINDS.every((kind) => summed(kind) >= BURST);
      },
      30_000,
    );
    records = records.filter((record) => record.value.abuse_customer_id === customer.id);
  }, 90_000);

  afterAll(async () => {
    await gateway?.close();
  });

  it('refuses every request of the bursts', () => {
    expect(statuses['invalid_credentials']?.filter((status) => status === 401)).toHaveLength(BURST);
    expect(statuses['origin_mismatch']?.filter((status) => status === 403)).toHaveLength(BURST);
    expect(statuses['rate_limited']?.filter((status) => status === 429)).toHaveLength(BURST);
  });

  it.each(KINDS)('records %s per customer: a few records of their own, then summaries that count every refusal', (kind) => {
    const summaries = summariesOf(kind);
    const own = ownRecordsOf(kind);
    console.log(`${kind}: ${BURST} refusals -> ${own.length} own records + ${summaries.length} summaries (counts ${summaries.map((record) => record.abuse_count).join(', ')})`);
    expect(summed(kind)).toBe(BURST);
    // At most the allowance per interval the burst touched, never one record per request.
    expect(own.length).toBeLessThanOrEqual(RECORDS_PER_INTERVAL * summaries.length);
    expect(own.length + summaries.length).toBeLessThan(BURST / 2);
    for (const summary of summaries) {
      expect(summary).toMatchObject({ customer_id: customer.id, abuse_customer_id: customer.id, service: 'gateway', suspicious: true, abuse_networks: 1, ip_block: '127.0.0.0/24' });
      expect(Number(summary.abuse_window_start)).toBeLessThan(summary.occurred_at);
      expect(JSON.stringify(summary)).not.toContain(customer.token);
    }
  });

  it('counts every refusal in the metrics by kind and customer, and those without a record of their own', async () => {
    for (const kind of KINDS) {
      expect(await metric(`gateway_abuse_events_total{kind="${kind}",customer="${customer.id}"`)).toBe(BURST);
      expect(await metric(`gateway_abuse_unrecorded_total{kind="${kind}"`)).toBe(BURST - ownRecordsOf(kind).length);
      expect(await metric(`gateway_abuse_summaries_total{kind="${kind}"`)).toBeGreaterThanOrEqual(summariesOf(kind).length);
    }
  });
});
