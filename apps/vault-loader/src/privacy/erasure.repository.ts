import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { hashKey, normaliseBusinessKeyPart, tenantHashKey, type ErasureRequestRecord, type TrackingEvent } from '@tracking/contracts';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { AUDIT_HUB, AUDIT_SATELLITE, ERASURES, HUBS, RAW_EVENTS, REJECTED_EVENTS, SATELLITES, STAGED_EVENTS } from '@tracking/vault-schema';
import { RejectedEventRepository } from '../rejections/rejected-event.repository';
import { anonymiseEvent } from '../vault/anonymise';
import { APPLY_ROLLUPS, CLEAR_EMPTY_ROLLUPS, CREATE_DELTA_TABLES, eventDelta } from '../vault/rollup-statements';
import { hashDiff } from '../vault/vault-model';
import { lockTenantErasures } from './erasure-lock';
import { linkedSubjects, type LinkedSubjects, type SubjectIdentifiers } from './linked-subjects';

export interface ErasureRequest {
  customerId: string;
  visitorId?: string;
  userId?: string;
  /** The request's id on privacy.erasures.v1 (a new one when unset). */
  requestId?: string;
  /** Subject hashes to register besides those of the ids found (the request record's). */
  subjectHks?: { visitors: readonly Buffer[]; users: readonly Buffer[] };
}

/** What the vault did: the answer of the erasure route, and the figures of the vault's report. */
export interface ErasureOutcome {
  result: ErasureResult;
  /** The subject's events the vault held. */
  eventsFound: number;
  /** Of those, how many were anonymised. */
  eventsAnonymised: number;
}

export interface ErasureResult {
  request_id: string;
  customer_id: string;
  erased_visitors: number;
  erased_users: number;
  rows_anonymised: Record<string, number>;
}

/** The event satellite's descriptive columns that can describe a person, in the satellite's hash-diff order. */
const EVENT_DETAIL_COLUMNS = [
  'event_type', 'event_name', 'occurred_at', 'received_at', 'sent_at', 'page_url', 'referrer', 'referrer_domain', 'location_id', 'user_id',
  'consent_state', 'ip_address', 'user_agent', 'event_data', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content',
  'batch_id', 'source', 'security_score', 'suspicious', 'quality_score',
] as const;

/**
 * Right to be forgotten (seeds 000 and 002): everything that describes the person is removed or
 * irreversibly anonymised in every layer, the subjects are registered so a replay anonymises them
 * again at load time, and the erasure itself is written to the audit trail. One transaction.
 */
@Injectable()
export class ErasureRepository {
  constructor(
    @Inject(DATABASE_POOL) private readonly pool: Pool,
    private readonly rejections: RejectedEventRepository,
  ) {}

  /** The subject and every id linked to it, read-only (what the request record names, as hashes). */
  linked(customerId: string, subject: SubjectIdentifiers): Promise<LinkedSubjects> {
    return linkedSubjects(this.pool, customerId, subject);
  }

  /** Erases the subject now, whether or not it was erased before (idempotent: what is anonymised stays so). */
  async erase(request: ErasureRequest): Promise<ErasureOutcome> {
    return inTransaction(this.pool, async (client) => {
      await lockTenantErasures(client, request.customerId);
      return this.eraseWithin(client, request, await linkedSubjects(client, request.customerId, request));
    });
  }

  /**
   * Applies a request read from privacy.erasures.v1 unless the vault already has (every subject hash
   * registered): one instance of many does it, the others find it done under the tenant's lock.
   * The ids are found again from the hashes among the tenant's staged events. Resolves undefined
   * when there was nothing to do.
   */
  async applyRequest(record: ErasureRequestRecord): Promise<ErasureOutcome | undefined> {
    const customerId = record.customer_id;
    const subjectHks = { visitors: record.visitor_hks.map(fromHex), users: record.user_hks.map(fromHex) };
    return inTransaction(this.pool, async (client) => {
      await lockTenantErasures(client, customerId);
      if (await this.registered(client, customerId, subjectHks)) return undefined;
      const visitorIds = await this.idsOf(client, customerId, 'visitor_id', subjectHks.visitors);
      const userIds = await this.idsOf(client, customerId, 'user_id', subjectHks.users);
      const request = { customerId, requestId: record.request_id, subjectHks };
      return this.eraseWithin(client, request, await linkedSubjects(client, customerId, { visitorIds, userIds }));
    });
  }

  /** Whether every subject hash of a request is registered in privacy.erasures (the vault applied it, or an earlier one). */
  private async registered(client: PoolClient, customerId: string, subjectHks: { visitors: readonly Buffer[]; users: readonly Buffer[] }): Promise<boolean> {
    const wanted = [...subjectHks.visitors.map((hk) => ['visitor', hk] as const), ...subjectHks.users.map((hk) => ['user', hk] as const)];
    if (wanted.length === 0) return true;
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(DISTINCT (e.subject_type, e.subject_hk))::int AS n FROM ${ERASURES.table} e
         JOIN unnest($2::text[], $3::bytea[]) AS c(subject_type, subject_hk) ON e.subject_type = c.subject_type AND e.subject_hk = c.subject_hk
        WHERE e.tenant_hk = $1`,
      [tenantHashKey(customerId), wanted.map(([type]) => type), wanted.map(([, hk]) => hk)],
    );
    return (rows[0]?.n ?? 0) >= new Set(wanted.map(([type, hk]) => `${type}:${hk.toString('hex')}`)).size;
  }

  /**
   * The ids among the tenant's staged events whose hash key is one of `hks`: hashKey recomputed in
   * SQL (SHA-256 over the trimmed, upper-cased, ||-joined key), so the request never needs the ids.
   */
  private async idsOf(client: PoolClient, customerId: string, column: 'visitor_id' | 'user_id', hks: readonly Buffer[]): Promise<string[]> {
    if (hks.length === 0) return [];
    const { rows } = await client.query<{ id: string }>(
      `SELECT DISTINCT ${column} AS id FROM ${STAGED_EVENTS.table}
        WHERE tenant_hk = $1 AND ${column} IS NOT NULL
          AND sha256(convert_to($2 || '||' || upper(btrim(${column}, E' \t\n\r\f\v')), 'UTF8')) = ANY($3::bytea[])`,
      [tenantHashKey(customerId), normaliseBusinessKeyPart(customerId), hks],
    );
    return rows.map((row) => row.id);
  }

  private async eraseWithin(client: PoolClient, request: ErasureRequest, linked: LinkedSubjects): Promise<ErasureOutcome> {
    const tenantHk = tenantHashKey(request.customerId);
    const requestId = request.requestId ?? randomUUID();
    const counts: Record<string, number> = {};
    const count = (table: string, rows: number | null): void => {
      counts[table] = (counts[table] ?? 0) + (rows ?? 0);
    };

    const { visitors, users, sessions, eventIds } = linked;
    const hks = (ids: string[]) => ids.map((id) => hashKey(request.customerId, id));

    // Raw: the stored payload is replaced by its anonymised form.
    const { rows: raw } = await client.query<{ event_id: string; raw_payload: TrackingEvent }>(
      `SELECT event_id, raw_payload FROM ${RAW_EVENTS.table} WHERE tenant_hk = $1 AND event_id = ANY($2)`,
      [tenantHk, eventIds],
    );
    for (const row of raw) {
      count(
        RAW_EVENTS.table,
        (await client.query(`UPDATE ${RAW_EVENTS.table} SET raw_payload = $3 WHERE tenant_hk = $1 AND event_id = $2`, [
          tenantHk,
          row.event_id,
          JSON.stringify(anonymiseEvent(row.raw_payload)),
        ])).rowCount,
      );
    }

    // The rollups lose the events as they were and count them as they are now: the person's visitor and
    // session ids leave the daily sets, the events stay counted (anonymised) by day, page and type.
    const erasedEvents = `(SELECT * FROM ${STAGED_EVENTS.table} WHERE tenant_hk = $1 AND event_id = ANY($2)) AS erased`;
    await client.query(`SET LOCAL client_min_messages = warning; ${CREATE_DELTA_TABLES}`);
    await client.query(eventDelta(erasedEvents, -1), [tenantHk, eventIds]);
    count(
      STAGED_EVENTS.table,
      (await client.query(
        `UPDATE ${STAGED_EVENTS.table}
            SET session_id = NULL, visitor_id = NULL, user_id = NULL, referrer_domain = NULL,
                event_name = CASE WHEN event_type = 'page_view' THEN event_name END,
                page_url = CASE WHEN page_host IS NULL THEN NULL ELSE split_part(split_part(page_url, '#', 1), '?', 1) END
          WHERE tenant_hk = $1 AND event_id = ANY($2)`,
        [tenantHk, eventIds],
      )).rowCount,
    );

    await client.query(eventDelta(erasedEvents, 1), [tenantHk, eventIds]);
    for (const statement of [...APPLY_ROLLUPS, ...CLEAR_EMPTY_ROLLUPS]) await client.query(statement);

    // Event details: anonymised in place; the hash diff is recomputed over what remains, so not even a
    // hash of the removed values stays behind.
    const { rows: details } = await client.query<Record<string, unknown> & { event_hk: Buffer; load_date: Date; record_source: string }>(
      `SELECT * FROM ${SATELLITES.event.table} WHERE event_hk = ANY($1)`,
      [hks(eventIds)],
    );
    for (const row of details) {
      const event_data = '{}';
      const page_url = typeof row['page_url'] === 'string' ? row['page_url'].split('#')[0].split('?')[0] : null;
      const anonymised: Record<string, unknown> = {
        ...row,
        event_name: row['event_type'] === 'page_view' ? row['event_name'] : null,
        page_url,
        referrer: null,
        referrer_domain: null,
        user_id: null,
        ip_address: null,
        user_agent: null,
        event_data,
      };
      const values = EVENT_DETAIL_COLUMNS.map((column) => (column === 'event_data' ? event_data : anonymised[column]));
      count(
        SATELLITES.event.table,
        (await client.query(
          `UPDATE ${SATELLITES.event.table}
              SET event_name = $4, page_url = $5, referrer = NULL, referrer_domain = NULL, user_id = NULL,
                  ip_address = NULL, user_agent = NULL, event_data = '{}'::jsonb, hash_diff = $6
            WHERE event_hk = $1 AND load_date = $2 AND record_source = $3`,
          [row.event_hk, row.load_date, row.record_source, anonymised['event_name'], page_url, hashDiff(values)],
        )).rowCount,
      );
    }

    // What described the person's sessions and devices goes; the hubs keep only that something was there.
    count(SATELLITES.session.table, (await client.query(`DELETE FROM ${SATELLITES.session.table} WHERE session_hk = ANY($1)`, [hks(sessions)])).rowCount);
    count(SATELLITES.visitor.table, (await client.query(`DELETE FROM ${SATELLITES.visitor.table} WHERE visitor_hk = ANY($1)`, [hks(visitors)])).rowCount);
    count(HUBS.session.table, (await client.query(`UPDATE ${HUBS.session.table} SET session_bk = '(erased)' WHERE session_hk = ANY($1)`, [hks(sessions)])).rowCount);
    count(HUBS.visitor.table, (await client.query(`UPDATE ${HUBS.visitor.table} SET visitor_bk = '(erased)' WHERE visitor_hk = ANY($1)`, [hks(visitors)])).rowCount);

    // Refused events (raw.rejected_events_r) that carried one of the person's ids go whole; those of
    // subjects named only by hash in the request too (they may never have reached the vault).
    const rejectedDeleted = await this.rejections.erase(client, tenantHk, {
      visitors: [...hks(visitors), ...(request.subjectHks?.visitors ?? [])],
      users: [...hks(users), ...(request.subjectHks?.users ?? [])],
      sessions: hks(sessions),
    });
    if (rejectedDeleted > 0) count(REJECTED_EVENTS.table, rejectedDeleted);

    const now = new Date();
    // Every subject the request names is registered, found in the vault or not, so a replay (or an
    // event arriving later) is anonymised at load time too.
    const registrations = new Map<string, readonly [string, Buffer]>();
    for (const [subjectType, subjectHks] of [['visitor', [...hks(visitors), ...(request.subjectHks?.visitors ?? [])]], ['user', [...hks(users), ...(request.subjectHks?.users ?? [])]]] as const) {
      for (const subjectHk of subjectHks) registrations.set(`${subjectType}:${subjectHk.toString('hex')}`, [subjectType, subjectHk]);
    }
    // privacy.erasures.request_id is a uuid unique per row (one per subject): the topic's request ids are any string, so not kept there.
    for (const [subjectType, subjectHk] of registrations.values()) {
      await client.query(
        `INSERT INTO ${ERASURES.table} (tenant_hk, subject_type, subject_hk, request_id, requested_at, rows_anonymised)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_hk, subject_type, subject_hk) DO NOTHING`,
        [tenantHk, subjectType, subjectHk, randomUUID(), now, JSON.stringify(counts)],
      );
    }
    await this.auditErasure(client, request.customerId, tenantHk, requestId, now, visitors.length + users.length);
    return {
      result: { request_id: requestId, customer_id: request.customerId, erased_visitors: visitors.length, erased_users: users.length, rows_anonymised: counts },
      eventsFound: eventIds.length,
      eventsAnonymised: counts[STAGED_EVENTS.table] ?? 0,
    };
  }

  /** The audit trail says an erasure happened and how much it touched, never whom it concerned. */
  private async auditErasure(client: PoolClient, customerId: string, tenantHk: Buffer, requestId: string, at: Date, subjects: number): Promise<void> {
    const auditHk = hashKey(customerId, requestId);
    const details = [customerId, 'PRIVACY erasure', 200, 'erased', null, 0, null, null, false, null, subjects, 0, 0, 0];
    await client.query(
      `INSERT INTO ${AUDIT_HUB.table} (audit_hk, audit_bk, tenant_hk, load_date, record_source) VALUES ($1, $2, $3, $4, 'vault-loader/privacy')
       ON CONFLICT DO NOTHING`,
      [auditHk, requestId, tenantHk, at],
    );
    await client.query(
      `INSERT INTO ${AUDIT_SATELLITE.table}
         (audit_hk, tenant_hk, load_date, record_source, hash_diff, customer_id, endpoint, status_code, outcome, error_code, latency_ms,
          ip_block, security_score, suspicious, key_id, events_received, events_accepted, events_rejected, events_dropped)
       VALUES ($1, $2, $3, 'vault-loader/privacy', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
      [auditHk, tenantHk, at, hashDiff(details), ...details],
    );
  }
}

function fromHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}
