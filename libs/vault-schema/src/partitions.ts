/**
 * Monthly partitions of the tables that grow with the events (PARTITIONED_TABLES): one partition per
 * UTC month of `load_date`, named `<table>_pYYYY_MM` in the table's schema. The loader creates them
 * ahead and for any month a batch reaches; the retention purge detaches and drops whole ones.
 */

/** The first instant of the UTC month holding `at`. */
export function monthOf(at: Date | number): Date {
  const date = new Date(at);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
}

export function nextMonth(month: Date): Date {
  return new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
}

/** `raw.site_tracking_events_r` and 2026-12 give `raw.site_tracking_events_r_p2026_12`. */
export function partitionName(table: string, month: Date): string {
  const year = String(month.getUTCFullYear()).padStart(4, '0');
  const number = String(month.getUTCMonth() + 1).padStart(2, '0');
  return `${table}_p${year}_${number}`;
}

/** Matches partitionName's suffix: which month a partition (attached or detached) holds. */
export const PARTITION_SUFFIX = /_p(\d{4})_(\d{2})$/;

export function monthOfPartition(name: string): Date | undefined {
  const match = PARTITION_SUFFIX.exec(name);
  return match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)) : undefined;
}

/**
 * Creates the month's partition unless it exists. No grant and no row-level security on it: readers
 * reach its rows only through the parent, whose policies apply (a partition read directly would not
 * apply the parent's).
 */
export function createPartitionStatement(table: string, month: Date): string {
  return `CREATE TABLE IF NOT EXISTS ${partitionName(table, month)} PARTITION OF ${table}
    FOR VALUES FROM ('${month.toISOString()}') TO ('${nextMonth(month).toISOString()}')`;
}
