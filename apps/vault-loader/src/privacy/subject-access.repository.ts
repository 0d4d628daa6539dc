import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { hashKey, tenantHashKey } from '@tracking/contracts';
import { DATABASE_POOL } from '@tracking/database';
import { HUBS, RAW_EVENTS, SATELLITES, STAGED_EVENTS } from '@tracking/vault-schema';
import { linkedSubjects, type LinkedSubjects, type SubjectIdentifiers } from './linked-subjects';

/** One event as the vault received it: the record exactly as it came off the topic. */
export interface HeldEvent {
  event_id: string;
  received_at: string;
  payload: unknown;
}

/** A session or visitor with every version of its details satellite, oldest first. */
export interface HeldEntity {
  id: string;
  first_seen_at: string;
  details: Array<Record<string, unknown>>;
}

export interface VaultHoldings {
  linked: LinkedSubjects;
  events: HeldEvent[];
  sessions: HeldEntity[];
  visitors: HeldEntity[];
  /** Each user id with the visitors (devices) its events were seen with. */
  users: Array<{ id: string; visitor_ids: string[] }>;
}

const DETAIL_META = new Set(['tenant_hk', 'hash_diff', 'record_source']);

/**
 * What the vault holds about a subject (GDPR art. 15 and 20), read-only and within one tenant:
 * the ids the erasure's fixpoint links to them, the raw events of those ids, and the session and
 * visitor rows with their satellites' history. Every query is keyed on the tenant's hash key.
 */
@Injectable()
export class SubjectAccessRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  async holdings(customerId: string, subject: SubjectIdentifiers): Promise<VaultHoldings> {
    const client = await this.pool.connect();
    try {
      // One snapshot for every read: the answer describes one moment of the vault.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const linked = await linkedSubjects(client, customerId, subject);
      const tenantHk = tenantHashKey(customerId);
      const { rows: events } = await client.query<{ event_id: string; load_date: Date; raw_payload: unknown }>(
        `SELECT event_id, load_date, raw_payload FROM ${RAW_EVENTS.table} WHERE tenant_hk = $1 AND event_id = ANY($2) ORDER BY load_date, event_id`,
        [tenantHk, linked.eventIds],
      );
      const sessions = await this.entities(client, tenantHk, HUBS.session.table, 'session_hk', 'session_bk', SATELLITES.session.table, customerId, linked.sessions);
      const visitors = await this.entities(client, tenantHk, HUBS.visitor.table, 'visitor_hk', 'visitor_bk', SATELLITES.visitor.table, customerId, linked.visitors);
      const { rows: pairs } = await client.query<{ user_id: string; visitor_id: string | null }>(
        `SELECT DISTINCT user_id, visitor_id FROM ${STAGED_EVENTS.table} WHERE tenant_hk = $1 AND event_id = ANY($2) AND user_id IS NOT NULL ORDER BY user_id, visitor_id`,
        [tenantHk, linked.eventIds],
      );
      await client.query('COMMIT');
      return {
        linked,
        events: events.map((row) => ({ event_id: row.event_id, received_at: row.load_date.toISOString(), payload: row.raw_payload })),
        sessions,
        visitors,
        users: linked.users.map((id) => ({ id, visitor_ids: pairs.filter((pair) => pair.user_id === id && pair.visitor_id !== null).map((pair) => pair.visitor_id as string) })),
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async entities(
    client: { query: Pool['query'] },
    tenantHk: Buffer,
    hub: string,
    hk: string,
    bk: string,
    satellite: string,
    customerId: string,
    ids: readonly string[],
  ): Promise<HeldEntity[]> {
    if (ids.length === 0) return [];
    const keys = ids.map((id) => hashKey(customerId, id));
    const { rows } = await client.query<Record<string, unknown> & { id: string; first_seen_at: Date; details: Array<Record<string, unknown>> | null }>(
      `SELECT h.${bk} AS id, h.load_date AS first_seen_at,
              (SELECT json_agg(to_jsonb(s) ORDER BY s.load_date) FROM ${satellite} s WHERE s.${hk} = h.${hk} AND s.tenant_hk = h.tenant_hk) AS details
         FROM ${hub} h WHERE h.tenant_hk = $1 AND h.${hk} = ANY($2) ORDER BY h.${bk}`,
      [tenantHk, keys],
    );
    return rows.map((row) => ({
      id: row.id,
      first_seen_at: row.first_seen_at.toISOString(),
      details: (row.details ?? []).map((version) => Object.fromEntries(Object.entries(version).filter(([column]) => !DETAIL_META.has(column) && column !== hk))),
    }));
  }
}
