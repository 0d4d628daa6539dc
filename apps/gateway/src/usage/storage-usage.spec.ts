import { BYTES_PER_GB, quotaLevel, storageUsageAnswer } from './storage-usage';

describe(quotaLevel.name, () => {
  it.each([
    [0, 0],
    [79.99, 0],
    [80, 80],
    [99.99, 80],
    [100, 100],
    [250, 100],
  ])('puts %d %% of the quota at level %d', (percent, level) => {
    expect(quotaLevel(percent * 10, 1000)).toBe(level);
  });
});

describe(storageUsageAnswer.name, () => {
  it('says the usage is unknown before the first measurement, and adds vault and export after it', () => {
    expect(storageUsageAnswer(undefined, 0.5)).toEqual({ quota_gb: 0.5, quota_bytes: BYTES_PER_GB / 2, measured: false });
    const measuredAt = new Date('2026-12-07T10:00:00Z');
    expect(storageUsageAnswer({ customerId: 'acme', vaultBytes: 600, exportBytes: 400, exportStatus: 'measured', measuredAt, warnedLevel: 80 }, 1000 / BYTES_PER_GB)).toMatchObject({
      vault_bytes: 600,
      export_bytes: 400,
      used_bytes: 1000,
      used_percent: 100,
      over_quota: true,
      measured_at: '2026-12-07T10:00:00.000Z',
    });
  });

  it('counts an export it could not measure as unknown, not as zero', () => {
    const answer = storageUsageAnswer({ customerId: 'acme', vaultBytes: 10, exportBytes: null, exportStatus: 'unavailable', measuredAt: new Date(), warnedLevel: 0 }, 1);
    expect(answer).toMatchObject({ export_bytes: null, export_status: 'unavailable', used_bytes: 10 });
  });
});
