import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Client, Pool } from 'pg';
import { parse as parseYaml, stringify } from 'yaml';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey, type TrackingEvent } from '@tracking/contracts';
import { loadCustomerDirectory, type CustomerConfig } from '@tracking/customers';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { LOCAL_S3_CREDENTIALS } from '@tools/local-stack/local-s3';
import { startAppProcess } from '@test/support/app-process';
import { EXPORTER_ON_STACK_S3, TEST_ADMIN_TOKEN, exporterSettings, startVaultLoader } from '@test/support/in-process-services';
import { positionGroup, uncommitted } from '@test/support/kafka-inspection';
import { pipelineEvents, writeRecordsBeforeSiteId } from '@test/support/schema-evolution';
import { writeSitesCustomer } from '@test/support/site-customers';
import { migrateAll } from '@test/support/stack-commands';
import { testRegistrySettings } from '@test/support/test-connection';
import { applyTestCustomers, customersDirectory } from '@test/support/test-customers';
import { testEnvironment } from '@test/support/test-environment';
import { topicPositions } from '@test/support/topic-reader';
import { produceEvents, vaultChecksums } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';

const LOADED_TOPICS = CONSUMER_SUBSCRIPTIONS.vaultLoader;
const EXPORTED_TOPICS = CONSUMER_SUBSCRIPTIONS.exporter;
const PREFIX = 'replay/raw';
/** The raw layer keeps each record as it came: its topic position, writer schema id and payload. */
const RAW_TABLE = 'raw.site_tracking_events_r';

/** A database of this spec's own, migrated like the test database. */
async function scratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `it_site_replay_${randomBytes(4).toString('hex')}`;
  const adminUrl = new URL(serverUrl);
  adminUrl.pathname = '/postgres';
  const admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrateAll(url.toString());
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}

/**
 * Issue 23's replay: the same events, once as records from before site_id (old schema, no field) and
 * once as the gateway writes them now (new schema, site_id set), each loaded by the real vault loader
 * into a vault of its own and exported by the real exporter into a bucket of its own. The consumers
 * derive the old records' sites with siteIdFor, so both vaults hold the same rows in every hub, link,
 * satellite, staging table and rollup (only the raw layer, which keeps each record as it came,
 * position, writer schema and payload, tells them apart), and both buckets the same rows in the same
 * site= folders (object names carry topic offsets, so they differ).
 */
describe('replay of records from before site_id', () => {
  const env = testEnvironment();
  const customersDir = customersDirectory();
  let customer: CustomerConfig;
  let scratch: { url: string; drop(): Promise<void> };

  beforeAll(async () => {
    const written = writeSitesCustomer(
      customersDir,
      'auto',
      [
        { id: 'bakery', name: 'The Bakery', domains: ['bakery.example', '*.bakery.example'], settings: { currency: 'EUR' } },
        { id: 'florist', domains: ['florist.example'] },
      ],
      'florist',
      [],
    );
    customer = loadCustomerDirectory(customersDir).customers.get(written.id) as CustomerConfig;
    // Through the shared topic, as in production: the configuration satellites are dated by the apply, the same for both loads.
    await applyTestCustomers(env, customersDir, [written.id]);
    scratch = await scratchDatabase(env.databaseUrl);
  });

  afterAll(async () => {
    await scratch?.drop();
  });

  /** Runs a loader of its own from `from` into `databaseUrl` until it has committed past `to`; the tenant's checksums. */
  async function load(databaseUrl: string, from: Map<number, string>, to: Map<number, string>): Promise<Record<string, string>> {
    const groupId = `it-site-replay-${randomUUID()}`;
    await positionGroup(env.kafkaBrokers, groupId, LOADED_TOPICS, new Map([[TOPICS.trackingEvents, from]]));
    const loader = await startVaultLoader(env, groupId, { DATABASE_URL: databaseUrl });
    try {
      await waitFor(() => uncommitted(env.kafkaBrokers, groupId, TOPICS.trackingEvents, to), (left) => left === 0, { what: 'loader committed past the records', timeoutMs: 60_000 });
    } finally {
      await loader.close();
    }
    const db = new Pool({ connectionString: databaseUrl, max: 2 });
    try {
      return await vaultChecksums(db, tenantHashKey(customer.customerId));
    } finally {
      await db.end();
    }
  }

  const session = (n: number) => `replay-${n}`;
  const bodies = [
    { body: { event_type: 'page_view', page_url: 'https://bakery.example/', session_id: session(1), visitor_id: 'v1', occurred_at: '2026-01-05T09:01:00Z' }, keyId: 'server' },
    { body: { event_type: 'page_view', page_url: 'https://www.bakery.example/menu', session_id: session(1), visitor_id: 'v1', occurred_at: '2026-01-05T09:02:00Z' }, keyId: 'server' },
    { body: { event_type: 'page_view', page_url: 'https://orders.bakery.example/cart', session_id: session(2), visitor_id: 'v2', occurred_at: '2026-01-05T09:03:00Z' }, keyId: 'server' },
    { body: { event_type: 'page_view', page_url: 'https://florist.example/roses', session_id: session(3), visitor_id: 'v3', occurred_at: '2026-01-05T10:04:00Z' }, keyId: 'server' },
    { body: { event_type: 'page_view', page_url: 'https://new-client.example/landing', session_id: session(4), visitor_id: 'v4', occurred_at: '2026-01-05T10:05:00Z' }, keyId: 'server' },
    { body: { event_type: 'page_view', page_url: 'https://bakery.example/bound', session_id: session(5), visitor_id: 'v5', occurred_at: '2026-01-05T10:06:00Z' }, keyId: 'bound' },
    { body: { event_type: 'signup', session_id: session(6), occurred_at: '2026-01-05T11:07:00Z', event_data: { plan: 'pro' } }, keyId: 'server' },
    { body: { event_type: 'signup', session_id: session(7), occurred_at: '2026-01-05T11:08:00Z' }, keyId: 'bound' },
  ];
  let events: TrackingEvent[];

  /** One exporter of its own from `from` until it has written the copy, into a bucket of its own: the objects' folders and rows. */
  async function exportFrom(from: Map<number, string>, bucket: string): Promise<{ folders: string[]; rows: Array<Record<string, unknown>> }> {
    const s3 = new S3Client({ endpoint: env.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
    const file = join(customersDir, customer.customerId, 'config.yaml');
    const config = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    writeFileSync(file, stringify({
      ...config,
      s3_export: { client_bucket: bucket, prefix: PREFIX, format: 'json', compression: 'none', schedule: 'daily', split_by_site: true, credentials: { access_key: { env: 'IT_S3_ACCESS_KEY' }, secret_key: { env: 'IT_S3_SECRET_KEY' } } },
    }));
    const groupId = `it-site-replay-export-${randomUUID()}`;
    await positionGroup(env.kafkaBrokers, groupId, EXPORTED_TOPICS, new Map([[TOPICS.trackingEvents, from]]));
    const exporter = await startAppProcess('exporter', 'EXPORTER_PORT', exporterSettings(env, groupId, customersDir, { ...EXPORTER_ON_STACK_S3 }));
    const api = async (path: string, method = 'GET') => {
      const response = await fetch(`${exporter.url}/api/v1/export/${path}`, { method, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      return (await response.json()) as Record<string, unknown>;
    };
    type Status = { pending_events: number; events_written: number };
    const status = async () => ((await api(`status?customer_id=${customer.customerId}`))['customers'] as Status[] | undefined)?.[0];
    try {
      await waitFor(status, (found) => (found?.pending_events ?? 0) + (found?.events_written ?? 0) >= events.length, { what: 'the copy consumed', timeoutMs: 60_000 });
      await waitFor(async () => (await api('run', 'POST'), status()), (found) => found?.events_written === events.length, { what: 'the copy written', timeoutMs: 60_000 });
    } finally {
      await exporter.stop('SIGTERM');
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${PREFIX}/customer=` })); // not _claims/, the exporter's own bookkeeping
    const folders = new Set<string>();
    const rows: Array<Record<string, unknown>> = [];
    for (const entry of listed.Contents ?? []) {
      const key = entry.Key as string;
      folders.add(key.slice(0, key.lastIndexOf('/')));
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      if (!/\.jsonl(\.gz)?$/.test(key)) throw new Error(`unexpected object ${key}`);
      const text = (key.endsWith('.gz') ? gunzipSync(body) : body).toString('utf8');
      rows.push(...text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>));
    }
    rows.sort((a, b) => String(a['event_id']).localeCompare(String(b['event_id'])));
    return { folders: [...folders].sort(), rows };
  }

  it('replays the old records into the same vault rows and export objects as the new ones', async () => {
    events = bodies.flatMap(({ body, keyId }) => pipelineEvents(customer, [body], { keyId, receivedAt: Date.parse('2026-01-05T12:00:00Z') }));
    expect(events.map((event) => event.site_id)).toEqual(['bakery', 'bakery', 'bakery', 'florist', 'new-client.example', 'florist', null, 'florist']);
    const run = randomBytes(4).toString('hex');

    // Before the change: the old gateway's records (old schema, no site_id), loaded and exported by consumers of their own.
    const beforeOld = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const oldSchemaId = (await writeRecordsBeforeSiteId({ brokers: env.kafkaBrokers, registry: new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl)), topic: TOPICS.trackingEvents, events })).schemaId;
    const afterOld = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const vaultOld = await load(env.databaseUrl, beforeOld, afterOld);
    const exportOld = await exportFrom(beforeOld, `it-site-replay-old-${run}`);

    // After it: the same events as the gateway writes them now (site_id set), into a vault and a bucket of their own.
    await produceEvents(env, events);
    const afterNew = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const vaultNew = await load(scratch.url, afterOld, afterNew);
    const exportNew = await exportFrom(afterOld, `it-site-replay-new-${run}`);

    const compared = Object.keys(vaultOld).filter((table) => table !== RAW_TABLE);
    process.stderr.write(`site replay: old records written with schema id ${oldSchemaId}; vault rows ${compared.map((table) => `${table} ${vaultOld[table]?.split(':')[0]}`).join(', ')}\n`);
    process.stderr.write(`site replay: export ${exportOld.rows.length} rows in ${exportOld.folders.length} folders (${exportOld.folders.map((folder) => folder.split('/').find((part) => part.startsWith('site='))).join(', ')})\n`);
    expect(vaultOld[RAW_TABLE]?.split(':')[0]).toBe(String(events.length));
    expect(vaultNew[RAW_TABLE]?.split(':')[0]).toBe(String(events.length));
    expect(Object.fromEntries(compared.map((table) => [table, vaultNew[table]]))).toEqual(Object.fromEntries(compared.map((table) => [table, vaultOld[table]])));
    // Not vacuous: sites, links to them, staging and rollups hold rows.
    expect(compared.filter((table) => !vaultOld[table]?.startsWith('0:'))).toEqual(expect.arrayContaining(['business.site_h', 'business.session_site_l', 'business.page_site_l', 'staging.site_events']));

    expect(exportOld.rows).toHaveLength(events.length);
    expect(exportNew).toEqual(exportOld);
    expect(new Map(exportOld.rows.map((row) => [row['event_id'], row['site_id']]))).toEqual(new Map(events.map((event) => [event.event_id, event.site_id])));
  });
});
