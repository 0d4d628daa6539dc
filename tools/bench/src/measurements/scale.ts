import { Client } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey } from '@tracking/contracts';
import { KafkaPublisher } from '@tracking/kafka';
import type { BenchContext, BenchCustomer } from '../bench-context';
import { createConsumerGroup } from '../consumer-run';
import { RecordFactory, seededRandom, trackBodies } from '../event-corpus';
import type { ProducedRange } from '../event-producer';
import { endOffsets } from '../kafka-positions';
import type { Measurement } from '../measurement';
import { formatNumber, ratioRow, type BenchRow } from '../results';
import { ScaleVault, vaultBytes } from '../scale-vault';
import { startBenchGateway } from './gateway';
import { timeVaultLoad } from '../vault-loader-run';

const TENANTS = 12;
const WINDOW_DAYS = 180;
const DAY = 86_400_000;
/** The small vault of the comparison, loaded through the loader; the large one is it multiplied in SQL. */
const SMALL_EVENTS = 100_000;
/** Events of each loader-speed probe (into the empty vault, into the large one, during the purge). */
const PROBE_EVENTS = 20_000;
const READ_RUNS = 20;
const COPIES_PER_STEP = 4;
const DATABASE = 'tracking_bench_scale';
/**
 * The loaders' Kafka session: a first batch into a large, cold vault on a shared two-core machine took
 * over the default here, and the member kicked out of its group stops consuming.
 */
const LOADER_ENV = { VAULT_LOADER_SESSION_TIMEOUT_MS: '120000' };
const EMPTY_DATABASE = 'tracking_bench_scale_empty';

const customerId = (index: number) => `bench_scale_${String(index).padStart(2, '0')}`;
/** Tenant 0 holds half the events, the other eleven share the rest. */
const shareOf = (index: number, events: number) => (index === 0 ? Math.round(events / 2) : Math.round(events / 2 / (TENANTS - 1)));

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

/** Events of every tenant on the topic, received over the last `days` days (0: now), as the gateway would publish them. */
async function produceTenants(context: BenchContext, customers: readonly BenchCustomer[], events: number, days: number, seed: number): Promise<ProducedRange> {
  const publisher = new KafkaPublisher(context.kafka, { timeoutMs: 60_000 });
  await publisher.connect();
  const from = await endOffsets(context.admin, TOPICS.trackingEvents);
  const now = Date.now();
  try {
    for (const [index, customer] of customers.entries()) {
      const factory = await RecordFactory.create(context.registry, context.customerConfig(customer.id), Buffer.from(context.hashKey));
      const random = seededRandom(seed + index);
      const count = shareOf(index, events);
      for (let done = 0; done < count; done += 10_000) {
        const bodies = trackBodies(Math.min(10_000, count - done), seed + index * 1000 + done);
        const messages = bodies.map((body) => factory.message(body, days > 0 ? now - Math.floor(random() * days * DAY) : undefined));
        for (let i = 0; i < messages.length; i += 500) await publisher.send(TOPICS.trackingEvents, messages.slice(i, i + 500));
      }
      context.progress(`scale: produced ${formatNumber(count)} events for ${customer.id}`);
    }
  } finally {
    await publisher.disconnect();
  }
  return { from, to: await endOffsets(context.admin, TOPICS.trackingEvents), count: events };
}

interface Reads {
  analytics: number[];
  status: number[];
  dashboard: number[];
}

/** The read API of a gateway on the vault, for the largest tenant: analytics of 90 days, status, dashboard; milliseconds per call. */
async function measureReads(context: BenchContext, databaseUrl: string, customer: BenchCustomer): Promise<Reads> {
  const gateway = await startBenchGateway(context, databaseUrl);
  try {
    const headers = { authorization: `Bearer ${customer.token}`, 'x-customer-id': customer.id };
    const time = async (path: string) => {
      const started = performance.now();
      const response = await fetch(`${gateway.url}${path}`, { headers });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${path}: ${response.status}`);
      return performance.now() - started;
    };
    const series = async (path: string) => {
      for (let i = 0; i < 3; i++) await time(path);
      const values: number[] = [];
      for (let i = 0; i < READ_RUNS; i++) values.push(await time(path));
      return values;
    };
    return {
      analytics: await series('/api/v1/tracking/analytics?window=90'),
      status: await series('/api/v1/track/status'),
      dashboard: await series('/api/v1/track/dashboard'),
    };
  } finally {
    await gateway.stop();
  }
}

async function withDatabase<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

const describeBytes = (bytes: Awaited<ReturnType<typeof vaultBytes>>) =>
  bytes.tables
    .slice(0, 8)
    .map(([table, size]) => `${table} ${formatNumber(size / bytes.events)}`)
    .join(', ');

/**
 * Issue 22's scale bench (`npm run bench -- --scale [--scale-events N]`): 100,000 events of 12 tenants
 * (one holding half) received over 180 days are loaded through the loader, the read API measured on
 * that vault; then the vault is multiplied in SQL to N events (ScaleVault: new ids, sessions and dates,
 * hash keys from the new business keys) and measured again; the loader's speed is probed into an empty
 * vault, into the large one, and into the large one while the largest tenant's oldest month is purged.
 */
function scale(targetEvents: number): Measurement {
  return {
    name: 'scale',
    async run(context: BenchContext): Promise<BenchRow[]> {
      const started = performance.now();
      const elapsed = () => `${Math.round((performance.now() - started) / 1000)} s`;
      const customers = Array.from({ length: TENANTS }, (_, index) => context.writeCustomer(customerId(index), { privacy: { data_retention_days: 400 } }));
      const largest = customers[0] as BenchCustomer;
      const small = Math.min(SMALL_EVENTS, targetEvents);

      context.progress(`scale: ${formatNumber(small)} events over ${WINDOW_DAYS} days on the topic`);
      const seedRange = await produceTenants(context, customers, small, WINDOW_DAYS, 101);
      const url = await context.freshDatabase(DATABASE);
      const seedLoad = await timeVaultLoad(context, url, seedRange, { label: 'scale-seed', env: LOADER_ENV });
      context.progress(`scale: loaded ${formatNumber(small)} events in ${formatNumber(seedLoad.seconds)} s (${elapsed()})`);
      await withDatabase(url, (db) => db.query('VACUUM ANALYZE'));
      const smallBytes = await withDatabase(url, vaultBytes);
      context.progress(`scale: ${formatNumber(smallBytes.total / smallBytes.events)} bytes/event at ${formatNumber(smallBytes.events)}: ${describeBytes(smallBytes)}`);
      const smallReads = await measureReads(context, url, largest);
      context.progress(`scale: reads at ${formatNumber(smallBytes.events)}: analytics p95 ${formatNumber(percentile(smallReads.analytics, 95))} ms (${elapsed()})`);

      const copies = Math.max(1, Math.round(targetEvents / smallBytes.events));
      await withDatabase(url, async (db) => {
        const vault = new ScaleVault(db, WINDOW_DAYS, new Date());
        for (let k = 1; k < copies; k += COPIES_PER_STEP) {
          const to = Math.min(copies, k + COPIES_PER_STEP);
          const stepStarted = performance.now();
          await vault.addCopies(k, to);
          context.progress(`scale: copies ${k}-${to - 1} of ${copies - 1}: ${formatNumber(to * smallBytes.events)} events, ${formatNumber((performance.now() - stepStarted) / 1000)} s (${elapsed()})`);
        }
        context.progress('scale: rollups recounted from staging, VACUUM ANALYZE');
        await vault.rebuildRollups();
        await db.query('VACUUM ANALYZE');
      });
      const largeBytes = await withDatabase(url, vaultBytes);
      context.progress(`scale: ${formatNumber(largeBytes.total / largeBytes.events)} bytes/event at ${formatNumber(largeBytes.events)}: ${describeBytes(largeBytes)} (${elapsed()})`);
      const largeReads = await measureReads(context, url, largest);

      // The loader's speed: the same probe events into an empty vault and into the large one.
      const probe = await produceTenants(context, customers, PROBE_EVENTS, 0, 202);
      const emptyUrl = await context.freshDatabase(EMPTY_DATABASE);
      const intoEmpty = await timeVaultLoad(context, emptyUrl, probe, { label: 'scale-empty', env: LOADER_ENV });
      await context.dropDatabase(EMPTY_DATABASE);
      const intoLarge = await timeVaultLoad(context, url, probe, { label: 'scale-large', env: LOADER_ENV });
      context.progress(`scale: loader ${formatNumber(PROBE_EVENTS / intoEmpty.seconds)} events/s into an empty vault, ${formatNumber(PROBE_EVENTS / intoLarge.seconds)} into the large one (${elapsed()})`);

      // The largest tenant's oldest month: its retention to 150 days, purged while the loader loads more.
      context.writeCustomer(largest.id, { privacy: { data_retention_days: WINDOW_DAYS - 30 } });
      const monthRows = await withDatabase(url, async (db) =>
        Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM staging.site_events WHERE tenant_hk = $1 AND load_date < now() - interval '${WINDOW_DAYS - 30} days'`, [tenantHashKey(largest.id)])).rows[0]?.n ?? 0),
      );
      const during = await produceTenants(context, customers, PROBE_EVENTS, 0, 303);
      const purgerGroup = `bench-scale-purger-${Date.now()}`;
      await createConsumerGroup(context, purgerGroup, await endOffsets(context.admin, TOPICS.trackingEvents), CONSUMER_SUBSCRIPTIONS.vaultLoader.filter((topic) => topic !== TOPICS.trackingEvents));
      const purger = await context.services.start('vault-loader', { ...context.serviceEnv(url), VAULT_LOADER_GROUP_ID: purgerGroup, VAULT_RETENTION_INTERVAL_MINUTES: '0', ...LOADER_ENV });
      let purgeSeconds: number;
      let purged: string;
      const loading = timeVaultLoad(context, url, during, { label: 'scale-during-purge', env: LOADER_ENV });
      try {
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const purgeStarted = performance.now();
        const response = await fetch(`${purger.url}/api/v1/privacy/retention/run`, { method: 'POST', headers: { authorization: `Bearer ${context.adminToken}` } });
        purged = await response.text();
        if (!response.ok) throw new Error(`retention run: ${response.status} ${purged}`);
        purgeSeconds = (performance.now() - purgeStarted) / 1000;
      } finally {
        await purger.stop();
        await context.admin.deleteGroups([purgerGroup]).catch(() => undefined);
      }
      const duringPurge = await loading;
      context.progress(`scale: purge of ${formatNumber(monthRows)} events in ${formatNumber(purgeSeconds)} s; loader ${formatNumber(PROBE_EVENTS / duringPurge.seconds)} events/s meanwhile (${elapsed()})`);
      const purgedSummary = (JSON.parse(purged) as { purged: Record<string, Record<string, number>> }).purged[largest.id] ?? {};
      await context.dropDatabase(DATABASE);

      const size = `${formatNumber(largeBytes.events)} events`;
      const versus = (reads: number[], smallSeries: number[]) => ({ 'p50 ms': formatNumber(percentile(reads, 50)), [`100k-vault p95 ms`]: formatNumber(percentile(smallSeries, 95)) });
      const growth = Math.max(
        percentile(largeReads.analytics, 95) / percentile(smallReads.analytics, 95),
        percentile(largeReads.status, 95) / percentile(smallReads.status, 95),
        percentile(largeReads.dashboard, 95) / percentile(smallReads.dashboard, 95),
      );
      const rate = (seconds: number) => PROBE_EVENTS / seconds;
      return [
        { what: `scale: analytics, 90-day window, the largest tenant, p95, at ${size}`, figure: { value: percentile(largeReads.analytics, 95), unit: 'ms' }, target: { kind: 'at-most', value: 300, unit: 'ms' }, details: versus(largeReads.analytics, smallReads.analytics) },
        { what: `scale: status, the largest tenant, p95, at ${size}`, figure: { value: percentile(largeReads.status, 95), unit: 'ms' }, target: { kind: 'at-most', value: 100, unit: 'ms' }, details: versus(largeReads.status, smallReads.status) },
        { what: `scale: dashboard, the largest tenant, p95, at ${size}`, figure: { value: percentile(largeReads.dashboard, 95), unit: 'ms' }, target: { kind: 'at-most', value: 100, unit: 'ms' }, details: versus(largeReads.dashboard, smallReads.dashboard) },
        { what: `scale: read cost growth (largest p95 ratio of the three), ${formatNumber(smallBytes.events)} → ${size}`, figure: { value: growth, unit: '×' }, target: { kind: 'at-most', value: 3, unit: '×' } },
        ratioRow(`scale: loader into the ${size} vault vs an empty vault`, { value: rate(intoLarge.seconds), unit: 'events/s' }, { what: `the same ${formatNumber(PROBE_EVENTS)} events into an empty vault`, value: rate(intoEmpty.seconds), unit: 'events/s' }, { kind: 'ratio-at-least', value: 0.8 }),
        { what: `scale: retention purge of one month of the largest tenant (${formatNumber(monthRows)} events)`, figure: { value: purgeSeconds, unit: 's' }, target: { kind: 'at-most', value: 10, unit: 's' }, details: Object.fromEntries(Object.entries(purgedSummary).filter(([, n]) => n > 0).slice(0, 4).map(([table, n]) => [table, formatNumber(n)])) },
        ratioRow(`scale: loader during that purge vs without`, { value: rate(duringPurge.seconds), unit: 'events/s' }, { what: `into the ${size} vault without a purge`, value: rate(intoLarge.seconds), unit: 'events/s' }, { kind: 'ratio-at-least', value: 0.8 }),
        { what: `scale: bytes on disk per event, all layers and indexes, at ${size}`, figure: { value: largeBytes.total / largeBytes.events, unit: 'bytes' }, target: { kind: 'at-most', value: 2000, unit: 'bytes' }, details: { [`at ${formatNumber(smallBytes.events)}`]: formatNumber(smallBytes.total / smallBytes.events), 'per table': describeBytes(largeBytes) } },
        { what: `scale: building the ${size} vault (load ${formatNumber(small)}, multiply in SQL, measure)`, figure: { value: (performance.now() - started) / 1000, unit: 's' }, target: { kind: 'report' }, details: { 'seed load s': formatNumber(seedLoad.seconds) } },
      ];
    },
  };
}

export const scaleMeasurement = scale;
