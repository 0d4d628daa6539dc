import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { ErasureRequestRecord } from '@tracking/contracts';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { ERASURE_LOCK_OF_CUSTOMER } from './erasure-lock';

/** What applying a request did to the trigger rows, summed over every time it was applied. */
export interface ErasureCounts {
  /** Trigger rows of the subjects still holding their data when the request was applied. */
  found: number;
  /** Those rows anonymised. */
  removed: number;
  /** Deliveries among them that were still to be sent (pending, or dead and not yet dead-lettered): never sent now. */
  cancelled: number;
}

export type ErasureApplication =
  | { outcome: 'applied'; counts: ErasureCounts }
  /** Applied before (by this or another instance) with the same subjects; `reported` says whether its report went out. */
  | { outcome: 'already'; counts: ErasureCounts; reported: boolean };

/** An applied request whose report never went out (its instance stopped in between). */
export interface UnreportedErasure {
  requestId: string;
  customerId: string;
  counts: ErasureCounts;
}

/** The request's subjects in a stable order: a request rewritten with more ids is applied again. */
export function subjectsDigest(request: Pick<ErasureRequestRecord, 'visitor_hks' | 'user_hks'>): string {
  const sorted = (hks: readonly string[]) => [...new Set(hks.map((hk) => hk.toLowerCase()))].sort().join(',');
  return createHash('sha256').update(`${sorted(request.visitor_hks)}|${sorted(request.user_hks)}`).digest('hex');
}

/**
 * The trigger rows' side of an erasure. Rows are anonymised, not deleted: the row is the record that
 * its event already fired (its trigger_id, a hash of customer, workflow and idempotency key, still
 * makes a replay's insert a no-op), so it keeps that and nothing of the person. See apply().
 */
@Injectable()
export class TriggerErasureRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  /**
   * Applies a request once across instances: under the customer's erasure lock (exclusive), the
   * request's row in automation.erasures is inserted, or updated when its subjects changed; an
   * instance that finds it unchanged does nothing. Then the subjects' hashes are recorded (new
   * triggers for them are refused from now on) and their trigger rows anonymised:
   * - idempotency_key becomes `erased:<trigger_id>` and event_id `erased:<SHA-256 of the event id>`, so the
   *   row's unique keys stay unique and name no session or client id;
   * - session_id, the subject hashes and the last error go; the payload (visitor id, URL,
   *   properties) becomes `{"erased": true}`;
   * - a delivery still to be sent is cancelled (a pending one, or a dead one not yet dead-lettered),
   *   so neither the dispatcher nor the dead-letter publisher takes it again.
   * Delivery attempts are kept: status code, error class and timing, keyed by the trigger id, hold
   * nothing of the person. One transaction: all of this, or none of it.
   */
  async apply(request: ErasureRequestRecord, appliedBy: string): Promise<ErasureApplication> {
    const visitors = request.visitor_hks.map((hk) => hk.toLowerCase());
    const users = request.user_hks.map((hk) => hk.toLowerCase());
    return inTransaction(this.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(${ERASURE_LOCK_OF_CUSTOMER('$1::text')})`, [request.customer_id]);
      const claimed = await client.query(
        `INSERT INTO automation.erasures (request_id, customer_id, subjects_digest, applied_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (request_id) DO UPDATE SET subjects_digest = EXCLUDED.subjects_digest, applied_at = now(), applied_by = EXCLUDED.applied_by, reported_at = NULL
          WHERE automation.erasures.subjects_digest <> EXCLUDED.subjects_digest
         RETURNING request_id`,
        [request.request_id, request.customer_id, subjectsDigest(request), appliedBy],
      );
      if (claimed.rowCount === 0) {
        const { rows } = await client.query<CountRow & { reported: boolean }>(
          `SELECT found, removed, cancelled, reported_at IS NOT NULL AS reported FROM automation.erasures WHERE request_id = $1`,
          [request.request_id],
        );
        const row = rows[0] as CountRow & { reported: boolean };
        return { outcome: 'already', counts: countsOf(row), reported: row.reported };
      }
      await client.query(
        `INSERT INTO automation.erased_subjects (customer_id, kind, subject_hk, request_id)
         SELECT $1, 'visitor', decode(hk, 'hex'), $4 FROM unnest($2::text[]) AS hk
         UNION ALL SELECT $1, 'user', decode(hk, 'hex'), $4 FROM unnest($3::text[]) AS hk
         ON CONFLICT DO NOTHING`,
        [request.customer_id, visitors, users, request.request_id],
      );
      const anonymised = await this.anonymise(client, request.customer_id, visitors, users);
      const { rows } = await client.query<CountRow>(
        `UPDATE automation.erasures SET found = found + $2, removed = removed + $3, cancelled = cancelled + $4 WHERE request_id = $1 RETURNING found, removed, cancelled`,
        [request.request_id, anonymised.found, anonymised.removed, anonymised.cancelled],
      );
      return { outcome: 'applied', counts: countsOf(rows[0] as CountRow) };
    });
  }

  /** Of these requests, the ids of those already applied with the same subjects (by any instance). */
  async appliedAlready(requests: readonly ErasureRequestRecord[]): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ request_id: string }>(
      `SELECT e.request_id FROM automation.erasures e
         JOIN unnest($1::text[], $2::text[]) AS r(request_id, digest) ON r.request_id = e.request_id
        WHERE e.subjects_digest = r.digest`,
      [requests.map((request) => request.request_id), requests.map((request) => subjectsDigest(request))],
    );
    return new Set(rows.map((row) => row.request_id));
  }

  async markReported(requestId: string): Promise<void> {
    await this.pool.query(`UPDATE automation.erasures SET reported_at = now() WHERE request_id = $1`, [requestId]);
  }

  /** Requests applied more than `olderThanMs` ago whose report never went out. */
  async unreported(olderThanMs: number): Promise<UnreportedErasure[]> {
    const { rows } = await this.pool.query<CountRow & { request_id: string; customer_id: string }>(
      `SELECT request_id, customer_id, found, removed, cancelled FROM automation.erasures
        WHERE reported_at IS NULL AND applied_at < now() - make_interval(secs => $1::double precision / 1000) ORDER BY applied_at LIMIT 100`,
      [olderThanMs],
    );
    return rows.map((row) => ({ requestId: row.request_id, customerId: row.customer_id, counts: countsOf(row) }));
  }

  private async anonymise(client: PoolClient, customerId: string, visitors: string[], users: string[]): Promise<ErasureCounts> {
    const { rows } = await client.query<{ cancelled: boolean }>(
      `WITH target AS (
         SELECT trigger_id, (delivery_status = 'pending' OR (delivery_status = 'dead' AND dead_lettered_at IS NULL)) AS cancelling
           FROM automation.triggers
          WHERE customer_id = $1 AND erased_at IS NULL
            AND (visitor_hk = ANY (ARRAY(SELECT decode(hk, 'hex') FROM unnest($2::text[]) AS hk))
                 OR user_hk = ANY (ARRAY(SELECT decode(hk, 'hex') FROM unnest($3::text[]) AS hk)))
          FOR UPDATE)
       UPDATE automation.triggers t
          SET idempotency_key = 'erased:' || t.trigger_id,
              event_id = 'erased:' || encode(sha256(convert_to(t.event_id, 'UTF8')), 'hex'),
              session_id = NULL,
              payload = '{"erased": true}'::jsonb,
              visitor_hk = NULL,
              user_hk = NULL,
              last_error = NULL,
              erased_at = now(),
              delivery_status = CASE WHEN target.cancelling THEN 'cancelled' ELSE t.delivery_status END,
              next_attempt_at = NULL,
              lease_until = NULL
         FROM target WHERE t.trigger_id = target.trigger_id
       RETURNING target.cancelling AS cancelled`,
      [customerId, visitors, users],
    );
    return { found: rows.length, removed: rows.length, cancelled: rows.filter((row) => row.cancelled).length };
  }
}

interface CountRow {
  found: number;
  removed: number;
  cancelled: number;
}

const countsOf = (row: CountRow): ErasureCounts => ({ found: row.found, removed: row.removed, cancelled: row.cancelled });
