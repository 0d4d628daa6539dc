import { Pool, type PoolClient } from 'pg';
import pino from 'pino';
import { hashKey, tenantHashKey } from '@tracking/contracts';
import { ERASURES, RAW_EVENTS } from '@tracking/vault-schema';
import { ErasedWhileMappingError, VaultRepository, type ErasureCheck } from '@apps/vault-loader/vault/vault.repository';
import { VaultPartitions } from '@apps/vault-loader/vault/vault-partitions';
import { VaultRows, mapTrackingEvent } from '@apps/vault-loader/vault/vault-model';
import { lockTenantErasures } from '@apps/vault-loader/privacy/erasure-lock';
import { testEnvironment } from '@test/support/test-environment';
import { buildEvents, testTenant, uniqueId } from '@test/support/vault-fixtures';

const UNCONFIGURED = { siteOf: () => null, site: () => undefined, key: () => undefined };

/**
 * A batch is checked against the erasures when it is mapped, and loaded later (after waiting for a
 * transaction it shares with other partitions' batches). An erasure that commits in between must not
 * miss the batch's rows: the load looks again inside its transaction, under the tenant's erasure lock.
 */
describe('an erasure that commits between the mapping and the load of a batch', () => {
  const env = testEnvironment();
  let pool: Pool;
  let repository: VaultRepository;

  beforeAll(() => {
    pool = new Pool({ connectionString: env.databaseUrl });
    repository = new VaultRepository(pool, new VaultPartitions(pool, pino({ level: 'silent' })));
  });

  afterAll(async () => {
    await pool?.end();
  });

  /** One event of a fresh visitor, mapped as the loader maps it before any erasure: its rows and the check it was mapped under. */
  const mappedEvent = () => {
    const customer = testTenant();
    const visitor = uniqueId('visitor');
    const [event] = buildEvents(customer, [{ event_type: 'page_view', page_url: 'https://race.example/', visitor_id: visitor }]);
    const rows = new VaultRows();
    mapTrackingEvent(event!, { topic: 'tracking.events.v1', partition: 0, offset: '1', schemaId: 1 }, rows, UNCONFIGURED);
    const subject = { tenantHk: tenantHashKey(customer), subjectType: 'visitor' as const, subjectHk: hashKey(customer, visitor) };
    const check: ErasureCheck = { customers: [customer], subjects: [subject], erased: new Set() };
    return { customer, subject, rows, check, eventId: event!.event_id };
  };
  const registerErasure = (client: Pool | PoolClient, subject: ReturnType<typeof mappedEvent>['subject']) =>
    client.query(`INSERT INTO ${ERASURES.table} (tenant_hk, subject_type, subject_hk, request_id, requested_at, rows_anonymised) VALUES ($1, $2, $3, gen_random_uuid(), now(), '{}')`, [
      subject.tenantHk,
      subject.subjectType,
      subject.subjectHk,
    ]);
  const rawRows = async (customer: string, eventId: string) =>
    (await pool.query(`SELECT 1 FROM ${RAW_EVENTS.table} WHERE tenant_hk = $1 AND event_id = $2`, [tenantHashKey(customer), eventId])).rowCount;

  it('loads a batch whose subjects are still not erased', async () => {
    const { customer, rows, check, eventId } = mappedEvent();
    await repository.load(rows, [], check);
    expect(await rawRows(customer, eventId)).toBe(1);
  });

  it('refuses the load, writing nothing, when the erasure committed before the transaction', async () => {
    const { customer, subject, rows, check, eventId } = mappedEvent();
    await registerErasure(pool, subject);
    await expect(repository.load(rows, [], check)).rejects.toBeInstanceOf(ErasedWhileMappingError);
    expect(await rawRows(customer, eventId)).toBe(0);
  });

  it('waits for an erasure in progress, then refuses the load, writing nothing', async () => {
    const { customer, subject, rows, check, eventId } = mappedEvent();
    const erasure = await pool.connect();
    try {
      await erasure.query('BEGIN');
      await lockTenantErasures(erasure, customer);
      const load = repository.load(rows, [], check).then(
        () => 'loaded',
        (error: unknown) => (error instanceof ErasedWhileMappingError ? 'mapped again' : `failed: ${String(error)}`),
      );
      // The load cannot pass the erasure's lock while the erasure is open.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const waiting = await pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
      expect(waiting.rows[0].n).toBeGreaterThanOrEqual(1);
      await registerErasure(erasure, subject);
      await erasure.query('COMMIT');
      await expect(load).resolves.toBe('mapped again');
    } finally {
      erasure.release();
    }
    expect(await rawRows(customer, eventId)).toBe(0);
  });
});
