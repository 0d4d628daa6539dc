import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey, type TrackingEvent } from '@tracking/contracts';
import { loadCustomerDirectory, type CustomerConfig } from '@tracking/customers';
import { ConfluentSchemaRegistryAdapter } from '@tracking/kafka';
import { startVaultLoader } from '@test/support/in-process-services';
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
 * into a vault of its own. The loader derives the old records' sites with siteIdFor, so both vaults
 * hold the same rows in every hub, link, satellite, staging table and rollup; only the raw layer, which
 * keeps each record as it came (position, writer schema, payload), tells them apart.
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

  it('loads the same vault rows from the old records as from the new ones', async () => {
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
    const events: TrackingEvent[] = bodies.flatMap(({ body, keyId }) => pipelineEvents(customer, [body], { keyId, receivedAt: Date.parse('2026-01-05T12:00:00Z') }));
    expect(events.map((event) => event.site_id)).toEqual(['bakery', 'bakery', 'bakery', 'florist', 'new-client.example', 'florist', null, 'florist']);

    // Before the change: the old gateway's records, written with the old schema.
    const beforeOld = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const old = await writeRecordsBeforeSiteId({ brokers: env.kafkaBrokers, registry: new ConfluentSchemaRegistryAdapter(testRegistrySettings(env.schemaRegistryUrl)), topic: TOPICS.trackingEvents, events });
    const afterOld = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const fromOld = await load(env.databaseUrl, beforeOld, afterOld);

    // After it: the same events as the gateway writes them now, into a vault of their own.
    await produceEvents(env, events);
    const afterNew = await topicPositions(env.kafkaBrokers, TOPICS.trackingEvents);
    const fromNew = await load(scratch.url, afterOld, afterNew);

    const compared = Object.keys(fromOld).filter((table) => table !== RAW_TABLE);
    process.stderr.write(`site replay: old records written with schema id ${old.schemaId}; ${compared.map((table) => `${table} ${fromOld[table]?.split(':')[0]}`).join(', ')}\n`);
    expect(fromOld[RAW_TABLE]?.split(':')[0]).toBe(String(events.length));
    expect(fromNew[RAW_TABLE]?.split(':')[0]).toBe(String(events.length));
    expect(Object.fromEntries(compared.map((table) => [table, fromNew[table]]))).toEqual(Object.fromEntries(compared.map((table) => [table, fromOld[table]])));
    // Not vacuous: sites, links to them, staging and rollups hold rows.
    const nonEmpty = compared.filter((table) => !fromOld[table]?.startsWith('0:'));
    expect(nonEmpty).toEqual(expect.arrayContaining(['business.site_h', 'business.session_site_l', 'business.page_site_l']));
  });
});
