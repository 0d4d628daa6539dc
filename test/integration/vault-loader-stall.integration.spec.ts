import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { CONSUMER_SUBSCRIPTIONS, TOPICS, tenantHashKey } from '@tracking/contracts';
import { startAppProcess, type AppProcess } from '@test/support/app-process';
import { vaultLoaderSettings } from '@test/support/in-process-services';
import { groupLag, positionGroup } from '@test/support/kafka-inspection';
import { testEnvironment } from '@test/support/test-environment';
import { testKafka } from '@test/support/test-kafka';
import { buildEvents, produceEvents, testTenant, uniqueId } from '@test/support/vault-fixtures';
import { waitFor } from '@test/support/wait-for';

const SESSION_TIMEOUT_MS = 6000;
/** Longer than the session timeout: without heartbeats during the batch the group would evict the loader. */
const LOCK_HELD_MS = 3 * SESSION_TIMEOUT_MS;

/**
 * A loader whose batch waits on the database longer than its Kafka session (a retention purge or an
 * operator holding a lock the batch needs) stays in its group, loads every record once when the lock
 * goes, and keeps consuming afterwards.
 */
describe('a vault loader batch blocked on a lock longer than the session timeout', () => {
  const env = testEnvironment();
  const groupId = `it-stall-${randomUUID()}`;
  const customer = testTenant();
  const admin = testKafka(env.kafkaBrokers, 'it-stall').admin();
  let loader: AppProcess;
  let db: Pool;
  let sent = 0;

  const send = async (count: number): Promise<void> => {
    const bodies = Array.from({ length: count }, (_, index) => ({ event_type: 'page_view', page_url: `https://stall.example/${sent + index}`, event_id: uniqueId('st') }));
    await produceEvents(env, buildEvents(customer, bodies));
    sent += count;
  };
  const stored = async (): Promise<{ rows: number; distinct: number }> =>
    (
      await db.query<{ rows: number; distinct: number }>('SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS distinct FROM raw.site_tracking_events_r WHERE tenant_hk = $1', [
        tenantHashKey(customer),
      ])
    ).rows[0] ?? { rows: 0, distinct: 0 };
  const caughtUp = (what: string) => waitFor(() => groupLag(env.kafkaBrokers, groupId, TOPICS.trackingEvents), (lag) => lag === 0, { what, timeoutMs: 90_000 });
  const members = async (): Promise<number> => (await admin.describeGroups([groupId])).groups[0]?.members.length ?? 0;

  beforeAll(async () => {
    db = new Pool({ connectionString: env.databaseUrl });
    await admin.connect();
    await positionGroup(env.kafkaBrokers, groupId, CONSUMER_SUBSCRIPTIONS.vaultLoader);
    loader = await startAppProcess('vault-loader', 'VAULT_LOADER_PORT', vaultLoaderSettings(env, groupId, { LOG_LEVEL: 'info', VAULT_LOADER_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS) }));
  }, 120_000);

  afterAll(async () => {
    await loader?.stop('SIGKILL');
    await admin.disconnect();
    await db?.end();
  });

  it('stays in its group, loads every record once after the lock goes, and keeps consuming', async () => {
    await send(50);
    await caughtUp('the loader caught up before the lock');

    // The raw layer locked against inserts (reads go on), as a long delete's row locks would hold the batch.
    const locker: PoolClient = await db.connect();
    let membersWhileBlocked: number[] = [];
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE raw.site_tracking_events_r IN EXCLUSIVE MODE');
      await send(100);
      await waitFor(
        async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)).rows[0]?.n ?? 0,
        (n) => n > 0,
        { what: 'a loader batch waiting on the lock', timeoutMs: 30_000 },
      );
      const blockedAt = Date.now();
      while (Date.now() - blockedAt < LOCK_HELD_MS) {
        membersWhileBlocked.push(await members());
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    } finally {
      await locker.query('COMMIT');
      locker.release();
    }
    await caughtUp('the blocked batch loaded after the lock went');
    await send(50);
    await caughtUp('the loader kept consuming');

    const { rows, distinct } = await stored();
    const rejoins = loader.output().split('\n').filter((line) => /re-joining|rejoin|Crash/i.test(line)).length;
    process.stdout.write(
      `stall books: sent ${sent}, in the vault ${rows} rows (${distinct} distinct); lock held ${LOCK_HELD_MS} ms against a ${SESSION_TIMEOUT_MS} ms session; group members while blocked ${membersWhileBlocked.join(',')}; rejoin/crash log lines ${rejoins}\n`,
    );
    membersWhileBlocked = membersWhileBlocked.filter((n) => n !== 1);
    expect({ rows, distinct }).toEqual({ rows: sent, distinct: sent });
    expect(membersWhileBlocked).toEqual([]);
  }, 240_000);
});
