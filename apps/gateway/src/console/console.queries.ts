import { STAGED_EVENTS } from '@tracking/vault-schema';
import { toNumber as n, type ReadQuery } from '../reporting/tenant-read.repository';

const staged = STAGED_EVENTS.column;

export interface MinuteCount {
  minute: string;
  accepted: number;
  rejected: number;
}

/**
 * The tenant's events per minute of arrival in the vault over the last `minutes`, every minute
 * present (zero when quiet) so a chart needs no gap filling. `rejected` is what the loader's
 * validation marked INVALID; what the gateway refused at the edge never reaches the vault.
 */
export async function eventsPerMinute(query: ReadQuery, tenantHk: Buffer, minutes: number): Promise<MinuteCount[]> {
  const rows = await query(
    `SELECT m.minute,
            count(s.${staged.event_id}) FILTER (WHERE s.${staged.validation_status} <> 'INVALID') AS accepted,
            count(s.${staged.event_id}) FILTER (WHERE s.${staged.validation_status} = 'INVALID') AS rejected
       FROM generate_series(date_trunc('minute', now()) - make_interval(mins => ${minutes - 1}), date_trunc('minute', now()), interval '1 minute') AS m(minute)
       LEFT JOIN ${STAGED_EVENTS.table} s
         ON s.${staged.tenant_hk} = $1 AND s.${staged.load_date} >= m.minute AND s.${staged.load_date} < m.minute + interval '1 minute'
      GROUP BY m.minute ORDER BY m.minute`,
    [tenantHk],
  );
  return rows.map((row) => ({ minute: (row['minute'] as Date).toISOString(), accepted: n(row['accepted']), rejected: n(row['rejected']) }));
}
