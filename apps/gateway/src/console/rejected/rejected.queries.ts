import { QUALITY_LOG, RAW_EVENTS, REJECTED_EVENTS, STAGED_EVENTS } from '@tracking/vault-schema';
import { toNumber as n, type ReadQuery } from '../../reporting/tenant-read.repository';

/** Where an event was refused: at the gateway's edge (validation), or by the vault-loader's checks. */
export type RejectionOrigin = 'gateway' | 'loader';

export interface RejectionFilter {
  origin?: RejectionOrigin;
  /** Part of a reason, any case. */
  reason?: string;
  /** A field as the event names it (`page_url`), whatever position the event had in a bulk request. */
  field?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

export interface RejectionRow {
  id: string;
  origin: RejectionOrigin;
  received_at: Date;
  errors: Array<{ field: string; reason: string }>;
  payload: string | null;
  payload_truncated: boolean;
  ingest_source: string | null;
  batch_id: string | null;
  event_index: number | null;
  event_id: string | null;
  key_id: string | null;
}

/** Ids of loader-invalid events in the list: the event id, prefixed, so they never collide with a rejection's UUID. */
export const LOADER_ID_PREFIX = 'vault:';

/** The field a loader check is about (only ERROR checks make an event invalid). */
const CHECK_FIELDS: Record<string, string> = { page_view_without_url: 'page_url' };

const raw = REJECTED_EVENTS.column;
const staged = STAGED_EVENTS.column;
const quality = QUALITY_LOG.column;
const checkField = `CASE q.${quality.check_name} ${Object.entries(CHECK_FIELDS)
  .map(([check, field]) => `WHEN '${check}' THEN '${field}'`)
  .join(' ')} ELSE q.${quality.check_name} END`;

/**
 * Both kinds of rejection as one list: the gateway's refusals (raw.rejected_events_r) and the events
 * the loader's validation marked INVALID (staging, with their ERROR checks as the reasons and the
 * raw layer's payload). Read as the tenant (row-level security) by the caller.
 */
const REJECTIONS = `
  SELECT r.${raw.rejection_id} AS id, 'gateway' AS origin, r.${raw.load_date} AS received_at, r.${raw.errors} AS errors,
         r.${raw.payload} AS payload, r.${raw.payload_truncated} AS payload_truncated, r.${raw.source} AS ingest_source,
         r.${raw.batch_id} AS batch_id, r.${raw.event_index} AS event_index, r.${raw.event_id} AS event_id, r.${raw.key_id} AS key_id
    FROM ${REJECTED_EVENTS.table} r WHERE r.${raw.tenant_hk} = $1
  UNION ALL
  SELECT '${LOADER_ID_PREFIX}' || s.${staged.event_id}, 'loader', s.${staged.load_date},
         COALESCE((SELECT jsonb_agg(jsonb_build_object('field', ${checkField}, 'reason', q.${quality.message}) ORDER BY q.${quality.check_name})
                     FROM ${QUALITY_LOG.table} q
                    WHERE q.${quality.tenant_hk} = s.${staged.tenant_hk} AND q.${quality.event_id} = s.${staged.event_id} AND q.${quality.severity} = 'ERROR'), '[]'::jsonb),
         e.${RAW_EVENTS.column.raw_payload}::text, false, s.${staged.source}, NULL, NULL, s.${staged.event_id}, NULL
    FROM ${STAGED_EVENTS.table} s
    LEFT JOIN ${RAW_EVENTS.table} e ON e.${RAW_EVENTS.column.tenant_hk} = s.${staged.tenant_hk} AND e.${RAW_EVENTS.column.event_id} = s.${staged.event_id}
   WHERE s.${staged.tenant_hk} = $1 AND s.${staged.validation_status} = 'INVALID'`;

/** `%` and `_` of a user's text matched literally by ILIKE. */
const likeText = (text: string): string => `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

/** One page of the tenant's rejections, newest first, and how many match in all. */
export async function listRejections(query: ReadQuery, tenantHk: Buffer, filter: RejectionFilter): Promise<{ rows: RejectionRow[]; total: number }> {
  const values: unknown[] = [tenantHk];
  const where: string[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  if (filter.origin) where.push(`origin = ${param(filter.origin)}`);
  if (filter.from) where.push(`received_at >= ${param(filter.from)}`);
  if (filter.to) where.push(`received_at < ${param(filter.to)}`);
  if (filter.reason) where.push(`EXISTS (SELECT 1 FROM jsonb_array_elements(errors) x WHERE x->>'reason' ILIKE ${param(likeText(filter.reason))})`);
  if (filter.field) {
    // A bulk request's fields are `events[3].page_url`: the event's own field is what one looks for.
    where.push(`EXISTS (SELECT 1 FROM jsonb_array_elements(errors) x WHERE regexp_replace(x->>'field', '^events\\[[0-9]+\\]\\.', '') = ${param(filter.field)})`);
  }
  const rows = await query(
    `SELECT *, count(*) OVER () AS total FROM (${REJECTIONS}) AS rejections
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY received_at DESC, id
      LIMIT ${param(filter.limit)} OFFSET ${param(filter.offset)}`,
    values,
  );
  return { rows: rows.map(toRow), total: n(rows[0]?.['total']) };
}

/** The gateway's rejections with these ids (the loader's are not redriven), as stored. */
export async function findRejections(query: ReadQuery, tenantHk: Buffer, ids: readonly string[]): Promise<Map<string, RejectionRow>> {
  const rows = await query(`SELECT * FROM (${REJECTIONS}) AS rejections WHERE origin = 'gateway' AND id = ANY($2::text[])`, [tenantHk, ids]);
  return new Map(rows.map((row) => [String(row['id']), toRow(row)]));
}

function toRow(row: Record<string, unknown>): RejectionRow {
  return {
    id: String(row['id']),
    origin: row['origin'] as RejectionOrigin,
    received_at: row['received_at'] as Date,
    errors: (row['errors'] as RejectionRow['errors'] | null) ?? [],
    payload: (row['payload'] as string | null) ?? null,
    payload_truncated: row['payload_truncated'] === true,
    ingest_source: (row['ingest_source'] as string | null) ?? null,
    batch_id: (row['batch_id'] as string | null) ?? null,
    event_index: row['event_index'] === null || row['event_index'] === undefined ? null : Number(row['event_index']),
    event_id: (row['event_id'] as string | null) ?? null,
    key_id: (row['key_id'] as string | null) ?? null,
  };
}
