import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey } from '@tracking/contracts';
import { startAppProcess, type AppProcess } from '@test/support/app-process';
import { vaultLoaderSettings } from '@test/support/in-process-services';
import { groupLag, positionGroup } from '@test/support/kafka-inspection';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';
import { buildEvents, produceEvents, testTenant, uniqueId } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';

/**
 * Three loader instances in one group, with events flowing: one leaves gracefully (SIGTERM), one is
 * SIGKILLed. The survivors take every partition over and nothing is lost; the pauses (the group not
 * Stable) are printed, not asserted (figures, not timing tests: README "Scaling out").
 */
describe('consumer group rebalances (three vault-loader instances)', () => {
  const env = testEnvironment();
  const groupId = `it-rebalance-${randomUUID()}`;
  const customer = testTenant();
  const instances: AppProcess[] = [];
  let db: Pool;
  let sent = 0;

  const admin = testKafka(env.kafkaBrokers, 'it-rebalance').admin();

  const groupState = async (): Promise<{ state: string; members: number }> => {
    const { groups } = await admin.describeGroups([groupId]);
    return { state: groups[0]?.state ?? 'Unknown', members: groups[0]?.members.length ?? 0 };
  };

  /** From `started` until the group is Stable with `members` members again. */
  const pauseUntilStable = async (members: number, started = Date.now()): Promise<number> => {
    await waitFor(groupState, (group) => group.state === 'Stable' && group.members === members, { what: `group stable with ${members} members`, timeoutMs: 60_000, intervalMs: 100 });
    return Date.now() - started;
  };

  const send = async (count: number): Promise<void> => {
    const bodies = Array.from({ length: count }, (_, index) => ({ event_type: 'page_view', page_url: `https://rebalance.example/${sent + index}`, event_id: uniqueId('rb') }));
    await produceEvents(env, buildEvents(customer, bodies));
    sent += count;
  };

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    await admin.connect();
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.vaultLoader);
    const settings = vaultLoaderSettings(env, groupId, { LOG_LEVEL: 'info' });
    instances.push(...(await Promise.all([0, 1, 2].map(() => startAppProcess('vault-loader', 'VAULT_LOADER_PORT', settings)))));
    await pauseUntilStable(3);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop('SIGKILL')));
    await admin.disconnect();
    await db?.end();
  });

  it('hands a leaving and a killed member\'s partitions to the others, losing nothing, logging no error', async () => {
    await send(200);
    const leaving = instances[0] as AppProcess;
    const flow = send(200);
    const leftAt = Date.now();
    await leaving.stop('SIGTERM');
    const gracefulPauseMs = await pauseUntilStable(2, leftAt);
    await flow;

    const killed = instances[1] as AppProcess;
    const killedAt = Date.now();
    await killed.stop('SIGKILL');
    await send(200);
    const killPauseMs = await pauseUntilStable(1, killedAt);
    await send(200);

    await waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what: 'the survivor caught up', timeoutMs: 60_000 });
    const { rows } = await db.query<{ n: number }>('SELECT count(DISTINCT event_id)::int AS n FROM raw.site_tracking_events_r WHERE tenant_hk = $1', [tenantHashKey(customer)]);
    const survivorErrors = (instances[2] as AppProcess)
      .output()
      .split('\n')
      .filter((line) => line.includes('"level":50') || line.includes('"level":"error"'));
    process.stdout.write(
      `rebalance books: sent ${sent}, in the vault ${rows[0]?.n}; group paused ${gracefulPauseMs} ms after a graceful leave (SIGTERM), ${killPauseMs} ms after a SIGKILL (session timeout 8 s)\n`,
    );
    expect(rows[0]?.n).toBe(sent);
    expect(survivorErrors).toEqual([]);
  }, 120_000);
});
