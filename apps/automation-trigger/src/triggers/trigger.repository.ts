import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { AutomationTrigger } from '@tracking/contracts';
import { DATABASE_POOL, inTransaction } from '@tracking/database';
import { ERASURE_LOCK_OF_CUSTOMER } from '../privacy/erasure-lock';
import type { TriggerSubject } from '../privacy/trigger-subject';

export interface NewTrigger {
  trigger: AutomationTrigger;
  webhookUrl: string | null;
  subject: TriggerSubject;
}

/** A trigger due for delivery, leased to this process. */
export interface DueDelivery {
  trigger: AutomationTrigger;
  webhookUrl: string;
  attempts: number;
  firedAt: Date;
  subject: TriggerSubject;
}

/** A trigger waiting in the outbox for its topic. */
export interface OutboxEntry {
  trigger: AutomationTrigger;
  lastError: string | null;
  attempts: number;
  subject: TriggerSubject;
}

interface SubjectColumns {
  visitor_hk: string | null;
  user_hk: string | null;
}

const subjectOf = (row: SubjectColumns): TriggerSubject => ({ visitorHk: row.visitor_hk, userHk: row.user_hk });

export interface AttemptOutcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: Date;
  /** Set: wait this long, then try again. Unset: delivered when `delivered`, else dead. */
  retryInMs?: number;
  delivered: boolean;
}

export const DELIVERY_STATES = ['none', 'pending', 'delivered', 'dead', 'cancelled'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** Which of a customer's triggers to list: at most `limit`, of one state, older than `before` (a seq). */
export interface DeliveryPage {
  limit: number;
  state?: DeliveryState;
  before?: string;
}

const SUBJECT_COLUMNS = `encode(visitor_hk, 'hex') AS visitor_hk, encode(user_hk, 'hex') AS user_hk`;

@Injectable()
export class TriggerRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  /**
   * Records the triggers in one statement, in the order given; those already recorded (same
   * customer, workflow and idempotency key, or the same trigger id, which an erased trigger keeps)
   * and those of erased subjects are skipped. Returns how many were new.
   *
   * The statement runs under each customer's erasure lock, shared: an erasure of the customer holds
   * it exclusively while it records its subjects and anonymises their rows, so a batch either
   * committed before (its rows are anonymised) or reads the erased subjects after (its rows are not
   * written). An instance whose erasure list has not yet heard of a request cannot slip a row past it.
   */
  async record(triggers: readonly NewTrigger[]): Promise<number> {
    if (triggers.length === 0) return 0;
    const column = <T>(pick: (item: NewTrigger) => T) => triggers.map(pick);
    const customers = [...new Set(column((item) => item.trigger.customer_id))].sort();
    return inTransaction(this.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock_shared(${ERASURE_LOCK_OF_CUSTOMER('c')}) FROM unnest($1::text[]) AS c ORDER BY c`, [customers]);
      const result = await client.query(
        `INSERT INTO automation.triggers (trigger_id, customer_id, workflow_id, idempotency_key, event_id, session_id, payload, webhook_url, delivery_status, next_attempt_at, visitor_hk, user_hk)
         SELECT trigger_id, customer_id, workflow_id, idempotency_key, event_id, session_id, payload, webhook_url,
                CASE WHEN webhook_url IS NULL THEN 'none' ELSE 'pending' END, CASE WHEN webhook_url IS NULL THEN NULL ELSE now() END,
                decode(visitor_hk, 'hex'), decode(user_hk, 'hex')
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY
                AS i(trigger_id, customer_id, workflow_id, idempotency_key, event_id, session_id, payload, webhook_url, visitor_hk, user_hk, ord)
          WHERE NOT EXISTS (
                SELECT 1 FROM automation.erased_subjects e
                 WHERE e.customer_id = i.customer_id
                   AND ((e.kind = 'visitor' AND e.subject_hk = decode(i.visitor_hk, 'hex')) OR (e.kind = 'user' AND e.subject_hk = decode(i.user_hk, 'hex'))))
          ORDER BY ord
         ON CONFLICT DO NOTHING`,
        [
          column((item) => item.trigger.trigger_id),
          column((item) => item.trigger.customer_id),
          column((item) => item.trigger.workflow_id),
          column((item) => item.trigger.idempotency_key),
          column((item) => item.trigger.event_id),
          column((item) => item.trigger.session_id),
          column((item) => JSON.stringify(item.trigger)),
          column((item) => item.webhookUrl),
          column((item) => item.subject.visitorHk),
          column((item) => item.subject.userHk),
        ],
      );
      return result.rowCount ?? 0;
    });
  }

  /**
   * Runs `publish` on the oldest unpublished triggers (or dead ones not yet on the dead-letter
   * topic), rows locked so two instances never publish the same ones at once, then marks them.
   * A crash after publishing and before marking publishes them again: same key, same trigger id.
   * Erased rows are never taken: their payload is gone, and they are not to leave.
   */
  async publishPending(kind: 'trigger' | 'dead', limit: number, publish: (entries: OutboxEntry[]) => Promise<void>): Promise<number> {
    const pending = kind === 'trigger' ? 'published_at IS NULL AND erased_at IS NULL' : `delivery_status = 'dead' AND dead_lettered_at IS NULL`;
    const mark = kind === 'trigger' ? 'published_at' : 'dead_lettered_at';
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ trigger_id: string; payload: AutomationTrigger; last_error: string | null; attempts: number } & SubjectColumns>(
        `SELECT trigger_id, payload, last_error, attempts, ${SUBJECT_COLUMNS} FROM automation.triggers WHERE ${pending} ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      await publish(rows.map((row) => ({ trigger: row.payload, lastError: row.last_error, attempts: row.attempts, subject: subjectOf(row) })));
      await client.query(`UPDATE automation.triggers SET ${mark} = now() WHERE trigger_id = ANY($1)`, [rows.map((row) => row.trigger_id)]);
      return rows.length;
    });
  }

  /**
   * Leases due deliveries: per endpoint and session only the oldest pending trigger (so a session's
   * triggers arrive in order), at most `perEndpoint` per endpoint, skipping endpoints already busy.
   */
  async leaseDue(limit: number, perEndpoint: number, leaseMs: number): Promise<DueDelivery[]> {
    const { rows } = await this.pool.query<{ payload: AutomationTrigger; webhook_url: string; attempts: number; fired_at: Date } & SubjectColumns>(
      `WITH heads AS (
         SELECT DISTINCT ON (webhook_url, coalesce(session_id, trigger_id)) trigger_id, webhook_url, next_attempt_at, lease_until, seq
           FROM automation.triggers WHERE delivery_status = 'pending'
          ORDER BY webhook_url, coalesce(session_id, trigger_id), seq),
       busy AS (
         SELECT webhook_url, count(*) AS n FROM heads WHERE lease_until > now() GROUP BY webhook_url),
       due AS (
         SELECT h.trigger_id, row_number() OVER (PARTITION BY h.webhook_url ORDER BY h.seq) + coalesce(b.n, 0) AS slot, h.seq
           FROM heads h LEFT JOIN busy b USING (webhook_url)
          WHERE h.next_attempt_at <= now() AND (h.lease_until IS NULL OR h.lease_until <= now()))
       UPDATE automation.triggers t SET lease_until = now() + make_interval(secs => $3::double precision / 1000)
         FROM (SELECT trigger_id FROM due WHERE slot <= $2 ORDER BY seq LIMIT $1) d
        WHERE t.trigger_id = d.trigger_id AND t.delivery_status = 'pending' AND (t.lease_until IS NULL OR t.lease_until <= now())
       RETURNING t.payload, t.webhook_url, t.attempts, t.fired_at, encode(t.visitor_hk, 'hex') AS visitor_hk, encode(t.user_hk, 'hex') AS user_hk`,
      [limit, perEndpoint, leaseMs],
    );
    return rows.map((row) => ({ trigger: row.payload, webhookUrl: row.webhook_url, attempts: row.attempts, firedAt: row.fired_at, subject: subjectOf(row) }));
  }

  /**
   * Records an attempt and what follows from it, in one transaction. A trigger erased or cancelled
   * while its attempt was in flight stays so: the attempt is recorded, the state not brought back.
   */
  async settle(triggerId: string, attempt: number, outcome: AttemptOutcome): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO automation.delivery_attempts (trigger_id, attempt, attempted_at, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING`,
        [triggerId, attempt, outcome.attemptedAt, outcome.statusCode, outcome.error, outcome.durationMs],
      );
      const status = outcome.delivered ? 'delivered' : outcome.retryInMs === undefined ? 'dead' : 'pending';
      await client.query(
        `UPDATE automation.triggers
            SET attempts = $2, delivery_status = $3, lease_until = NULL, last_error = $4,
                next_attempt_at = CASE WHEN $3 = 'pending' THEN now() + make_interval(secs => $5::double precision / 1000) ELSE NULL END,
                delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END
          WHERE trigger_id = $1 AND erased_at IS NULL AND delivery_status <> 'cancelled'`,
        [triggerId, attempt, status, outcome.error, outcome.retryInMs ?? 0],
      );
    });
  }

  /**
   * Cancels a leased delivery that must not be sent (its subject was erased and the erasure has not
   * reached the row yet): never attempted again, whatever the erasure finds later.
   */
  async cancel(triggerId: string): Promise<void> {
    await this.pool.query(
      `UPDATE automation.triggers SET delivery_status = 'cancelled', lease_until = NULL, next_attempt_at = NULL WHERE trigger_id = $1 AND delivery_status = 'pending'`,
      [triggerId],
    );
  }

  /**
   * A customer's triggers, newest first, with their delivery state and attempts; `state` keeps one
   * delivery state, `before` pages on (the `seq` of the last trigger of the page before).
   */
  async deliveries(customerId: string, page: DeliveryPage): Promise<Array<Record<string, unknown>>> {
    const { rows } = await this.pool.query(
      `SELECT t.seq::text AS seq, t.trigger_id, t.workflow_id, t.idempotency_key, t.event_id, t.webhook_url, t.delivery_status, t.attempts, t.fired_at,
              t.published_at, t.delivered_at, t.next_attempt_at, t.last_error,
              coalesce(json_agg(json_build_object('attempt', a.attempt, 'attempted_at', a.attempted_at, 'status_code', a.status_code, 'error', a.error, 'duration_ms', a.duration_ms)
                       ORDER BY a.attempt) FILTER (WHERE a.attempt IS NOT NULL), '[]') AS attempt_log
         FROM automation.triggers t LEFT JOIN automation.delivery_attempts a USING (trigger_id)
        WHERE t.customer_id = $1 AND ($3::text IS NULL OR t.delivery_status = $3) AND ($4::bigint IS NULL OR t.seq < $4)
        GROUP BY t.trigger_id ORDER BY t.seq DESC LIMIT $2`,
      [customerId, page.limit, page.state ?? null, page.before ?? null],
    );
    return rows;
  }

  /**
   * Queues a customer's trigger for one more delivery now, whatever its state, unless an attempt is
   * in flight (its lease has not run out): two concurrent deliveries of one trigger help nobody.
   */
  async redeliver(customerId: string, triggerId: string): Promise<'queued' | 'in_flight' | 'not_found'> {
    const { rows } = await this.pool.query<{ queued: boolean }>(
      `WITH target AS (
         SELECT trigger_id, lease_until > now() AS leased FROM automation.triggers
          WHERE customer_id = $1 AND trigger_id = $2 AND webhook_url IS NOT NULL AND erased_at IS NULL AND delivery_status <> 'cancelled' FOR UPDATE),
       queued AS (
         UPDATE automation.triggers t SET delivery_status = 'pending', next_attempt_at = now(), lease_until = NULL
           FROM target WHERE t.trigger_id = target.trigger_id AND target.leased IS NOT TRUE RETURNING t.trigger_id)
       SELECT EXISTS (SELECT 1 FROM queued) AS queued FROM target`,
      [customerId, triggerId],
    );
    if (rows.length === 0) return 'not_found';
    return rows[0]?.queued ? 'queued' : 'in_flight';
  }
}
