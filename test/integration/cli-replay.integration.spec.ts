import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey } from '@tracking/contracts';
import { runCli } from '@test/support/cli';
import { startVaultLoader, type RunningService } from '@test/support/in-process-services';
import { groupLag, positionGroup } from '@test/support/kafka-inspection';
import { testEnvironment } from '@test/support/test-environment';
import { buildEvents, produceEvents, uniqueId, vaultChecksums } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';
import { testKafka } from '@test/support/test-kafka';

const LOADED_TOPICS = CONSUMER_SUBSCRIPTIONS.vaultLoader;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('tracking replay (real Kafka, registry and PostgreSQL)', () => {
  const env = testEnvironment();
  const db = new Pool({ connectionString: env.databaseUrl, max: 3 });
  const admin = testKafka(env.kafkaBrokers).admin();
  const groupId = `it-cli-replay-${randomUUID()}`;
  let loader: RunningService | undefined;

  const caughtUp = () => waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'loader caught up', timeoutMs: 60_000 });
  const committed = async () => (await admin.fetchOffsets({ groupId, topics: [...LOADED_TOPICS] })).map((topic) => [topic.topic, topic.partitions.map((p) => `${p.partition}:${p.offset}`).join(',')]);
  const pageViews = (customerId: string, count: number) =>
    buildEvents(customerId, Array.from({ length: count }, (_, index) => ({ event_type: 'page_view', page_url: `https://replay.example/p/${index}`, session_id: `s-${customerId}-${index % 2}` })));
  const rawIds = async (customerId: string) =>
    (await db.query<{ event_id: string }>('SELECT event_id FROM raw.site_tracking_events_r WHERE tenant_hk = $1 ORDER BY event_id', [tenantHashKey(customerId)])).rows.map((row) => row.event_id);

  beforeAll(async () => {
    await admin.connect();
    await positionGroup(env.kafkaBrokers, groupId, LOADED_TOPICS);
    loader = await startVaultLoader(env, groupId);
  });

  afterAll(async () => {
    await loader?.close();
    await admin.disconnect();
    await db.end();
  });

  it('refuses to move the group while the loader is running, and a dry run changes nothing', async () => {
    // Something to read again, even when this spec runs first on a fresh broker.
    await produceEvents(env, pageViews(uniqueId('it_cli_dry_run'), 6));
    await caughtUp();
    const before = await committed();
    const refused = await runCli(env, ['replay', 'vault-loader', '--group', groupId, '--from', 'beginning']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/live member.*vault-loader is running/);
    expect(refused.stderr).toContain('stop vault-loader first');

    const dryRun = await runCli(env, ['--json', 'replay', 'vault-loader', '--group', groupId, '--from', 'beginning', '--dry-run']);
    expect(dryRun.code).toBe(0);
    const plan = JSON.parse(dryRun.stdout) as { dry_run: boolean; topics: Array<{ topic: string; moves: Array<{ to: string; delta: string }> }> };
    expect(plan.dry_run).toBe(true);
    expect(plan.topics.map((topic) => topic.topic)).toEqual([...LOADED_TOPICS]);
    expect(plan.topics[0]?.moves.some((move) => BigInt(move.delta) > 0n)).toBe(true);
    expect(await committed()).toEqual(before);
  });

  it('replaying the loader from before a load leaves the vault unchanged', async () => {
    const customer = uniqueId('it_cli_replay');
    const before = new Date(Date.now() - 1000).toISOString();
    await produceEvents(env, pageViews(customer, 30));
    await caughtUp();
    await waitFor(() => rawIds(customer), (ids) => ids.length === 30, { what: 'events loaded' });
    const sums = await vaultChecksums(db, tenantHashKey(customer));

    await loader?.close();
    loader = undefined;
    const moved = await runCli(env, ['--json', 'replay', 'vault-loader', '--group', groupId, '--from', before, '--wait', '30']);
    expect(moved.code).toBe(0);
    expect(await groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents)).toBeGreaterThanOrEqual(30);

    loader = await startVaultLoader(env, groupId);
    await caughtUp();
    expect(await vaultChecksums(db, tenantHashKey(customer))).toEqual(sums);
  });

  it("reads one customer's window again through a temporary group, leaving the live group where it is", async () => {
    const [a, b] = [uniqueId('it_cli_window_a'), uniqueId('it_cli_window_b')];
    const early = [...pageViews(a, 4), ...pageViews(b, 4)];
    await produceEvents(env, early);
    await sleep(1100);
    const windowStart = new Date().toISOString();
    const inWindow = { a: pageViews(a, 5), b: pageViews(b, 5) };
    await produceEvents(env, [...inWindow.a, ...inWindow.b]);
    await sleep(1100);
    const windowEnd = new Date().toISOString();
    await produceEvents(env, [...pageViews(a, 3), ...pageViews(b, 3)]);
    await caughtUp();
    await waitFor(() => rawIds(a), (ids) => ids.length === 12, { what: "a's events loaded" });

    // A broken load to repair: the raw rows of both customers are gone.
    await db.query('DELETE FROM raw.site_tracking_events_r WHERE tenant_hk = ANY($1)', [[tenantHashKey(a), tenantHashKey(b)]]);
    const live = await committed();
    const replay = await runCli(env, ['--json', 'replay', 'vault-loader', '--group', groupId, '--from', windowStart, '--to', windowEnd, '--customer', a]);
    expect(replay.code).toBe(0);
    const summary = JSON.parse(replay.stdout) as { group: string; records_in_window: string; customer: string };
    expect(summary.customer).toBe(a);
    expect(Number(summary.records_in_window)).toBeGreaterThanOrEqual(10);

    expect(await rawIds(a)).toEqual(inWindow.a.map((event) => event.event_id).sort());
    expect(await rawIds(b)).toEqual([]);
    expect(await committed()).toEqual(live);
    const { groups } = await admin.describeGroups([summary.group]);
    expect(groups[0]?.state).toBe('Dead');
  });

  it('explains what to do when the service or the point is wrong', async () => {
    const unknown = await runCli(env, ['replay', 'vault-loder', '--from', 'beginning']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('replay one of: vault-loader, automation-trigger, exporter');
    const badPoint = await runCli(env, ['replay', 'vault-loader', '--from', 'yesterday']);
    expect(badPoint.code).toBe(1);
    expect(badPoint.stderr).toContain('--from "yesterday" is not a point on the log');
    const exporterWindow = await runCli(env, ['replay', 'exporter', '--from', 'beginning', '--customer', 'one_spa']);
    expect(exporterWindow.stderr).toContain('the exporter replays whole groups only');
    const help = await runCli(env, ['replay', '--help']);
    for (const option of ['--from', '--to', '--customer', '--group', '--dry-run', '--wait']) expect(help.stdout).toContain(option);
  });
});
