import { REJECTED_EVENTS, STAGED_EVENTS } from '@tracking/vault-schema';
import { toNumber as n, type ReadQuery } from '../reporting/tenant-read.repository';

const staged = STAGED_EVENTS.column;
const refused = REJECTED_EVENTS.column;

export interface MinuteCount {
  minute: string;
  accepted: number;
  /** Everything rejected in the minute: `gateway_refused` + `loader_invalid`. */
  rejected: number;
  /** Refused by the gateway at the edge (tracking.events.rejected.v1, loaded into raw.rejected_events_r). */
  gateway_refused: number;
  /** Stored, but marked INVALID by the vault-loader's validation. */
  loader_invalid: number;
}

/**
 * The tenant's events per minute of arrival over the last `minutes`, every minute present (zero when
 * quiet) so a chart needs no gap filling. `rejected` counts both kinds of rejection: what the gateway
 * refused at the edge (by received_at, the rejection's load_date) and what the loader's validation
 * marked INVALID (issue 21: the Overview used to count only the latter).
 */
export async function eventsPerMinute(query: ReadQuery, tenantHk: Buffer, minutes: number): Promise<MinuteCount[]> {
  const rows = await query(
    `WITH window_minutes AS (
       SELECT minute FROM generate_series(date_trunc('minute', now()) - make_interval(mins => ${minutes - 1}), date_trunc('minute', now()), interval '1 minute') AS m(minute)),
     vault AS (
       SELECT m.minute,
              count(s.${staged.event_id}) FILTER (WHERE s.${staged.validation_status} <> 'INVALID') AS accepted,
              count(s.${staged.event_id}) FILTER (WHERE s.${staged.validation_status} = 'INVALID') AS invalid
         FROM window_minutes m
         LEFT JOIN ${STAGED_EVENTS.table} s
           ON s.${staged.tenant_hk} = $1 AND s.${staged.load_date} >= m.minute AND s.${staged.load_date} < m.minute + interval '1 minute'
        GROUP BY m.minute),
     edge AS (
       SELECT date_trunc('minute', r.${refused.load_date}) AS minute, count(*) AS refused
         FROM ${REJECTED_EVENTS.table} r
        WHERE r.${refused.tenant_hk} = $1 AND r.${refused.load_date} >= (SELECT min(minute) FROM window_minutes)
        GROUP BY 1)
     SELECT vault.minute, vault.accepted, vault.invalid, COALESCE(edge.refused, 0) AS refused
       FROM vault LEFT JOIN edge USING (minute) ORDER BY vault.minute`,
    [tenantHk],
  );
  return rows.map((row) => {
    const gatewayRefused = n(row['refused']);
    const loaderInvalid = n(row['invalid']);
    return {
      minute: (row['minute'] as Date).toISOString(),
      accepted: n(row['accepted']),
      rejected: gatewayRefused + loaderInvalid,
      gateway_refused: gatewayRefused,
      loader_invalid: loaderInvalid,
    };
  });
}
