/** storage_quota_gb counts binary gigabytes, as S3 and PostgreSQL size their storage. */
export const BYTES_PER_GB = 1024 ** 3;

/** The thresholds that are warned about once per crossing: none, 80 % and 100 % of the quota. */
export const QUOTA_LEVELS = [0, 80, 100] as const;
export type QuotaLevel = (typeof QUOTA_LEVELS)[number];

/** How the export's figure was obtained; only `measured` has bytes. */
export type ExportMeasurement =
  | { status: 'measured'; bytes: number }
  /** The customer has no s3_export: its export holds nothing. */
  | { status: 'no_export' }
  /** The exporter could not be asked (not configured, down, a bucket failing): the figure is unknown, not zero. */
  | { status: 'unavailable'; reason: string };

/** One customer's storage as last measured, shared by every gateway instance. */
export interface StorageUsage {
  customerId: string;
  vaultBytes: number;
  /** Null when the export could not be measured. */
  exportBytes: number | null;
  exportStatus: ExportMeasurement['status'];
  measuredAt: Date;
  warnedLevel: QuotaLevel;
}

/** The highest threshold the used bytes reach. */
export function quotaLevel(usedBytes: number, quotaBytes: number): QuotaLevel {
  const percent = quotaBytes > 0 ? (usedBytes / quotaBytes) * 100 : 100;
  return percent >= 100 ? 100 : percent >= 80 ? 80 : 0;
}

/** What the tracking-config and status answers show of a customer's usage against its quota. */
export function storageUsageAnswer(usage: StorageUsage | undefined, quotaGb: number): Record<string, unknown> {
  const quotaBytes = Math.round(quotaGb * BYTES_PER_GB);
  if (!usage) return { quota_gb: quotaGb, quota_bytes: quotaBytes, measured: false };
  const usedBytes = usage.vaultBytes + (usage.exportBytes ?? 0);
  return {
    quota_gb: quotaGb,
    quota_bytes: quotaBytes,
    measured: true,
    vault_bytes: usage.vaultBytes,
    export_bytes: usage.exportBytes,
    export_status: usage.exportStatus,
    used_bytes: usedBytes,
    used_gb: Math.round((usedBytes / BYTES_PER_GB) * 1e6) / 1e6,
    used_percent: quotaBytes > 0 ? Math.round((usedBytes / quotaBytes) * 10_000) / 100 : null,
    // Nothing is refused at the quota: refusing events would lose data. Past it, the audit says so once.
    over_quota: usedBytes >= quotaBytes,
    measured_at: usage.measuredAt.toISOString(),
  };
}
