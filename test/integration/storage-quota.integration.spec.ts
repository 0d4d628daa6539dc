import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parse, stringify } from 'yaml';
import { STORAGE_QUOTA_AUDIT_ENDPOINT, TOPICS, type AuditRecord } from '@tracking/contracts';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { EXPORTER_ON_STACK_S3, TEST_ADMIN_TOKEN, startGateway, type RunningService } from '@test/support/in-process-services';
import { startPipeline, type Pipeline } from '@test/support/pipeline';
import { testS3Export, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';
import { readTopic, topicPositions } from '@test/support/topic-reader';
import { testEnvironment } from '@test/support/test-environment';
import { waitFor } from '@test/support/wait-for';

const GB = 1024 ** 3;

interface UsageAnswer {
  measured: boolean;
  quota_bytes: number;
  vault_bytes: number;
  export_bytes: number | null;
  export_status: string;
  used_bytes: number;
  used_percent: number;
  over_quota: boolean;
  measured_at: string;
}

/**
 * Issue 23, usage against seed 000's storage_quota_gb, on the real stack: a customer's vault rows
 * (loaded by the real loader) and export objects (written by the real exporter to the stack's S3)
 * measured by the gateway every second, shown in the tracking-config and status answers, and one
 * audit record on tracking.audit.v1 per threshold crossed (80 %, then 100 %), however many
 * measurements follow. Events are still accepted past the quota.
 */
describe('storage usage against the quota', () => {
  const env = testEnvironment();
  const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  const run = randomBytes(4).toString('hex');
  const customersDir = mkdtempSync(join(tmpdir(), 'quota-customers-'));
  const bucket = `quota-${run}`;
  const backupBucket = `quota-backup-${run}`;
  let customer: TestCustomer;
  let pipeline: Pipeline<'vault-loader' | 'exporter'> | undefined;
  let gateway: RunningService | undefined;

  const headers = (): Record<string, string> => ({ 'content-type': 'application/json', 'x-customer-id': customer.id, authorization: `Bearer ${customer.token}` });
  const configUsage = async (): Promise<UsageAnswer> => {
    const response = await fetch(`${gateway!.url}/api/v1/customer/${customer.id}/tracking-config`, { headers: headers() });
    return ((await response.json()) as { config: { tracking_settings: { storage_usage: UsageAnswer } } }).config.tracking_settings.storage_usage;
  };
  const statusUsage = async (): Promise<UsageAnswer> => {
    const response = await fetch(`${gateway!.url}/api/v1/track/status`, { headers: headers() });
    return ((await response.json()) as { storage_usage: UsageAnswer }).storage_usage;
  };
  /** Rewrites the customer's quota; the gateway reads its directory again every second. */
  const setQuota = (gb: number): void => {
    const file = join(customersDir, customer.id, 'config.yaml');
    const config = parse(readFileSync(file, 'utf8')) as { technical: Record<string, unknown> };
    config.technical['storage_quota_gb'] = gb;
    writeFileSync(file, stringify(config));
  };
  /** Two whole measurements after now: whatever the round in progress decided has been published. */
  const twoRoundsLater = async (): Promise<UsageAnswer> => {
    const first = Date.parse((await statusUsage()).measured_at);
    const later = await waitFor(statusUsage, (usage) => Date.parse(usage.measured_at) > first, { what: 'a measurement' });
    return waitFor(statusUsage, (usage) => Date.parse(usage.measured_at) > Date.parse(later.measured_at), { what: 'a second measurement' });
  };
  const warnings = (records: ReadonlyArray<{ value: AuditRecord }>) =>
    records.map((record) => record.value).filter((record) => record.customer_id === customer.id && record.endpoint === STORAGE_QUOTA_AUDIT_ENDPOINT);

  beforeAll(async () => {
    customer = writeTestCustomer(customersDir, {
      storageQuotaGb: 1,
      s3Export: testS3Export({ clientBucket: bucket, backupBucket, prefix: 'events', schedule: 'daily' }),
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: backupBucket }));
    pipeline = await startPipeline({ name: 'storage-quota', customersDir, services: ['vault-loader', 'exporter'], settings: { exporter: { ...EXPORTER_ON_STACK_S3 } } });
    gateway = await startGateway(env, { CUSTOMERS_DIR: customersDir, CUSTOMERS_WATCH: 'true', EXPORTER_URL: pipeline.exporter.url, STORAGE_USAGE_INTERVAL_SECONDS: '1' });
  }, 90_000);

  afterAll(async () => {
    await gateway?.close();
    await pipeline?.stop();
    s3.destroy();
  });

  it('measures the vault and the export, shows them in both answers, and warns once at 80 % and once at 100 %', async () => {
    const from = await topicPositions(env.kafkaBrokers, TOPICS.trackingAudit);
    const ids = Array.from({ length: 40 }, () => randomUUID());
    const sent = await fetch(`${gateway!.url}/api/v1/track/bulk`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ events: ids.map((event_id) => ({ event_id, event_type: 'page_view', page_url: `https://shop.example/${run}/${event_id}`, event_data: { session_id: `s-${run}` } })) }),
    });
    expect(sent.status).toBe(200);
    // Close the open (daily) objects now, so the export holds bytes to measure.
    await waitFor(
      async () => {
        await fetch(`${pipeline!.exporter.url}/api/v1/export/run?customer_id=${customer.id}`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
        return (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `events/customer=${customer.id}/` }))).KeyCount ?? 0;
      },
      (objects) => objects > 0,
      { what: 'exported objects', timeoutMs: 60_000 },
    );
    const measured = await waitFor(statusUsage, (usage) => usage.measured && usage.vault_bytes > 0 && (usage.export_bytes ?? 0) > 0, { what: 'vault and export measured', timeoutMs: 60_000 });
    const inConfig = await configUsage();
    process.stdout.write(`storage usage of ${ids.length} events: ${JSON.stringify(measured)}\n`);
    expect(measured).toMatchObject({ export_status: 'measured', quota_bytes: GB, over_quota: false });
    expect(inConfig).toMatchObject({ measured: true, quota_bytes: GB, export_status: 'measured' });
    expect(inConfig.used_bytes).toBeGreaterThanOrEqual(measured.used_bytes);

    // The export figure is what S3 lists under the customer's keys in both buckets.
    let listed = 0;
    for (const name of [bucket, backupBucket]) {
      for (const kind of ['', '_metering/', '_manifests/', '_claims/']) {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: name, Prefix: `events/${kind}customer=${customer.id}/` }));
        listed += (page.Contents ?? []).reduce((sum, object) => sum + (object.Size ?? 0), 0);
      }
    }
    expect((await statusUsage()).export_bytes).toBe(listed);

    // A quota the usage fills to about 90 %: the 80 % warning, once.
    const used = (await twoRoundsLater()).used_bytes;
    setQuota(used / 0.9 / GB);
    const warned = await waitFor(statusUsage, (usage) => usage.used_percent >= 80 && usage.quota_bytes < GB, { what: 'the small quota applied' });
    expect(warned.over_quota).toBe(false);
    await twoRoundsLater();
    await twoRoundsLater();

    // Past the quota: the 100 % warning, once, and events are still accepted.
    setQuota(used / 1.5 / GB);
    const over = await waitFor(statusUsage, (usage) => usage.over_quota, { what: 'over the quota' });
    expect(over.used_percent).toBeGreaterThanOrEqual(100);
    const accepted = await fetch(`${gateway!.url}/api/v1/track`, { method: 'POST', headers: headers(), body: JSON.stringify({ event_type: 'page_view' }) });
    expect(await accepted.json()).toMatchObject({ success: true, tracking_result: { allowed: true } });
    expect(await configUsage()).toMatchObject({ over_quota: true });
    await twoRoundsLater();
    await twoRoundsLater();

    // Everything on the audit topic up to its end now (every partition), so a second warning would be counted.
    const until = await topicPositions(env.kafkaBrokers, TOPICS.trackingAudit);
    const reachedEnd = (seen: ReadonlyArray<{ partition: number; offset: string }>): boolean =>
      [...until].every(([partition, end]) => BigInt(end) <= BigInt(from.get(partition) ?? '0') || seen.some((record) => record.partition === partition && BigInt(record.offset) >= BigInt(end) - 1n));
    const records = warnings(await readTopic<AuditRecord>(env, TOPICS.trackingAudit, from, reachedEnd, 60_000));
    expect(records.map((record) => [record.outcome, record.error_code, record.status_code])).toEqual([
      ['quota_warning', 'STORAGE_QUOTA_80', 200],
      ['quota_exceeded', 'STORAGE_QUOTA_100', 200],
    ]);
  });
});
