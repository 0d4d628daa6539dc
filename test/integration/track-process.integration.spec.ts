import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Pool } from 'pg';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { EXPORTER_ON_STACK_S3 } from '@test/support/in-process-services';
import { startGatewayProcess, type GatewayProcess } from '@test/support/gateway-process';
import { startPipeline, type Pipeline } from '@test/support/pipeline';
import { testEnvironment } from '@test/support/test-environment';
import { testS3Export, writeTestCustomer, type TestCustomer } from '@test/support/test-customers';

/**
 * Seed 001's manual pipeline trigger on the real stack: events sent to a customer whose export runs
 * daily sit in an open object; POST /api/v1/track/process closes it and answers once the vault,
 * the triggers and the export hold everything acknowledged before the call.
 */
describe('POST /api/v1/track/process', () => {
  const env = testEnvironment();
  const db = new Pool({ connectionString: env.databaseUrl, max: 2 });
  const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
  const run = randomBytes(4).toString('hex');
  const customersDir = mkdtempSync(join(tmpdir(), 'process-customers-'));
  const bucket = `process-${run}`;
  let customer: TestCustomer;
  let other: TestCustomer;
  let pipeline: Pipeline<'vault-loader' | 'automation-trigger' | 'exporter'> | undefined;
  let gateway: GatewayProcess | undefined;

  const post = (path: string, who: TestCustomer, body?: unknown): Promise<Response> =>
    fetch(`${gateway!.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-customer-id': who.id, authorization: `Bearer ${who.token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const exportedObjects = async (): Promise<string[]> => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `events/customer=${customer.id}/` }));
    return (page.Contents ?? []).map((entry) => entry.Key ?? '');
  };

  beforeAll(async () => {
    // Daily: without the trigger, the object would stay open until tomorrow.
    customer = writeTestCustomer(customersDir, { apiRateLimit: 100_000, s3Export: testS3Export({ clientBucket: bucket, prefix: 'events', schedule: 'daily' }) });
    other = writeTestCustomer(customersDir, { apiRateLimit: 100_000 });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    pipeline = await startPipeline({
      name: 'track-process',
      customersDir,
      services: ['vault-loader', 'automation-trigger', 'exporter'],
      settings: { exporter: { ...EXPORTER_ON_STACK_S3 } },
    });
    gateway = await startGatewayProcess(env, {
      CUSTOMERS_DIR: customersDir,
      EXPORTER_URL: pipeline.exporter.url,
      VAULT_LOADER_GROUP_ID: pipeline['vault-loader'].group,
      AUTOMATION_TRIGGER_GROUP_ID: pipeline['automation-trigger'].group,
      EXPORTER_GROUP_ID: pipeline.exporter.group,
    });
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop();
    await pipeline?.stop();
    await db.end();
    s3.destroy();
  });

  it('makes what was sent visible in the vault and the export before it answers', async () => {
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const sent = await post('/api/v1/track/bulk', customer, {
      events: ids.map((event_id) => ({ event_id, event_type: 'page_view', page_url: `https://shop.example/${run}`, event_data: { session_id: `s-${run}` } })),
    });
    expect(sent.status).toBe(200);
    expect(await exportedObjects()).toEqual([]);

    const answer = await post('/api/v1/track/process?timeout_ms=30000', customer);
    const body = (await answer.json()) as Record<string, any>;

    expect(answer.status).toBe(200);
    expect(body).toMatchObject({
      success: true,
      customer_id: customer.id,
      processing_status: 'completed',
      pipeline_results: { raw_processed: true, staging_processed: true, business_processed: true, triggers_evaluated: true, exported: true },
      export: { status: 'flushed', failed: 0 },
    });
    expect(body['export'].events).toBeGreaterThanOrEqual(ids.length);
    // Answered completed: the rows and the object are there now, not eventually.
    const vault = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM raw.site_tracking_events_r WHERE customer_id = $1 AND event_id = ANY($2)', [customer.id, ids]);
    expect(vault.rows[0]?.n).toBe(ids.length);
    expect((await exportedObjects()).length).toBeGreaterThan(0);
  }, 60_000);

  it('says the tenant has no export to make visible, and still waits for the vault', async () => {
    const eventId = randomUUID();
    expect((await post('/api/v1/track', other, { event_id: eventId, event_type: 'search', event_data: { session_id: `o-${run}` } })).status).toBe(200);
    const answer = await post('/api/v1/track/process', other);
    const body = (await answer.json()) as Record<string, any>;
    expect(body).toMatchObject({ processing_status: 'completed', pipeline_results: { raw_processed: true, exported: null }, export: { status: 'no_export' } });
    const vault = await db.query('SELECT 1 FROM raw.site_tracking_events_r WHERE customer_id = $1 AND event_id = $2', [other.id, eventId]);
    expect(vault.rowCount).toBe(1);
  }, 60_000);

  it('refuses a wait that is not a whole number of milliseconds up to a minute, naming the parameter', async () => {
    for (const bad of ['-1', 'soon', '60001', '1.5']) {
      const answer = await post(`/api/v1/track/process?timeout_ms=${bad}`, customer);
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ success: false, error_code: 'INVALID_REQUEST', error: expect.stringContaining('timeout_ms'), details: [{ field: 'timeout_ms' }] });
    }
  });

  it('answers pending, not an error, when the wait ends first', async () => {
    await pipeline!['vault-loader'].stop();
    try {
      expect((await post('/api/v1/track', customer, { event_type: 'search', event_data: { session_id: `p-${run}` } })).status).toBe(200);
      const answer = await post('/api/v1/track/process?timeout_ms=500', customer);
      const body = (await answer.json()) as Record<string, any>;
      expect(answer.status).toBe(200);
      expect(body).toMatchObject({ processing_status: 'pending', pipeline_results: { raw_processed: false } });
      expect(body['services'].vault_loader.behind).toBeGreaterThan(0);
    } finally {
      await pipeline!['vault-loader'].restart();
    }
  }, 60_000);
});
