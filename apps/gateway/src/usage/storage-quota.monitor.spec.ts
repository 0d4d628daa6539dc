import { parseCustomerConfig } from '@tracking/customers';
import type { AuditTrail } from '../audit/audit-trail';
import type { CustomerRegistry } from '../customers/customer.registry';
import type { ExportUsageClient } from './export-usage.client';
import { STORAGE_QUOTA_AUDIT_ENDPOINT } from '@tracking/contracts';
import { StorageQuotaMonitor } from './storage-quota.monitor';
import { BYTES_PER_GB, type QuotaLevel } from './storage-usage';
import type { StorageUsageRepository } from './storage-usage.repository';

function setup(quotaBytes: number) {
  const customer = parseCustomerConfig('acme', { customer: { id: 'acme', name: 'Acme' }, technical: { storage_quota_gb: quotaBytes / BYTES_PER_GB } }, {});
  const state = { vaultBytes: 0, warned: 0 as QuotaLevel, auditAcknowledged: true };
  const usage = {
    vaultBytes: jest.fn(async () => state.vaultBytes),
    save: jest.fn(async () => undefined),
    raiseWarnedLevel: jest.fn(async (_: string, level: QuotaLevel) => (state.warned < level ? ((state.warned = level), true) : false)),
    lowerWarnedLevel: jest.fn(async (_: string, level: QuotaLevel) => {
      if (state.warned > level) state.warned = level;
    }),
  };
  const audit = { publish: jest.fn(async () => state.auditAcknowledged) };
  const exports = { measure: jest.fn(async () => ({ status: 'measured' as const, bytes: 100 })) };
  const logger = { warn: jest.fn(), info: jest.fn(), error: jest.fn(), debug: jest.fn() };
  const sut = new StorageQuotaMonitor(
    { storageUsageIntervalMs: 0 },
    { all: () => [customer] } as unknown as CustomerRegistry,
    usage as unknown as StorageUsageRepository,
    exports as unknown as ExportUsageClient,
    audit as unknown as AuditTrail,
    logger as never,
  );
  const outcomes = () => audit.publish.mock.calls.map((call) => (call as unknown as [{ outcome: string; error_code: string; endpoint: string }])[0]);
  return { sut, state, usage, audit, outcomes };
}

describe(StorageQuotaMonitor.name, () => {
  it('warns once when usage crosses 80 %, once more at 100 %, and again only after falling back below', async () => {
    const { sut, state, outcomes } = setup(1000);
    state.vaultBytes = 500; // + 100 exported = 60 %
    await sut.measureAll();
    expect(outcomes()).toEqual([]);
    state.vaultBytes = 750; // 85 %
    await sut.measureAll();
    await sut.measureAll();
    expect(outcomes()).toEqual([expect.objectContaining({ outcome: 'quota_warning', error_code: 'STORAGE_QUOTA_80', endpoint: STORAGE_QUOTA_AUDIT_ENDPOINT, customer_id: 'acme' })]);
    state.vaultBytes = 950; // 105 %
    await sut.measureAll();
    await sut.measureAll();
    expect(outcomes().map((record) => record.outcome)).toEqual(['quota_warning', 'quota_exceeded']);
    state.vaultBytes = 100; // 20 %: re-armed
    await sut.measureAll();
    state.vaultBytes = 800;
    await sut.measureAll();
    expect(outcomes().map((record) => record.outcome)).toEqual(['quota_warning', 'quota_exceeded', 'quota_warning']);
  });

  it('warns again at the next measurement when Kafka did not acknowledge the warning', async () => {
    const { sut, state, outcomes } = setup(1000);
    state.vaultBytes = 800;
    state.auditAcknowledged = false;
    await sut.measureAll();
    state.auditAcknowledged = true;
    await sut.measureAll();
    await sut.measureAll();
    expect(outcomes().map((record) => record.outcome)).toEqual(['quota_warning', 'quota_warning']);
  });

  it('keeps measuring the other customers when one fails', async () => {
    const { sut, usage } = setup(1000);
    usage.vaultBytes.mockRejectedValueOnce(new Error('database away'));
    await expect(sut.measureAll()).resolves.toBeUndefined();
    await sut.measureAll();
    expect(usage.save).toHaveBeenCalledTimes(1);
  });
});
