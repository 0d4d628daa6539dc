import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { AutomationTrigger } from '@tracking/contracts';
import { DATABASE_POOL, inTransaction } from '@tracking/database';

export interface NewTrigger {
  trigger: AutomationTrigger;
  webhookUrl: string | null;
}

/** A trigger due for delivery, leased to this process. */
export interface DueDelivery {
  trigger: AutomationTrigger;
  webhookUrl: string;
  attempts: number;
  firedAt: Date;
}

/** A trigger waiting in the outbox for its topic. */
export interface OutboxEntry {
  trigger: AutomationTrigger;
  lastError: string | null;
  attempts: number;
}

export interface AttemptOutcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: Date;
  /** Set: wait this long, then try again. Unset: delivered when `delivered`, else dead. */
  retryInMs?: number;
  delivered: boolean;
}

@Injectable()
export class TriggerRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  /**
   * Records the triggers in one statement, in the order given; those already recorded (same
   * customer, workflow and idempotency key) are skipped. Returns how many were new.
   */
  async record(triggers: readonly NewTrigger[]): Promise<number> {
    if (triggers.length === 0) return 0;
    const column = <T>(pick: (item: NewTrigger) => T) => triggers.map(pick);
    const result = await this.pool.query(
      `INSERT INTO automation.triggers (trigger_id, customer_id, workflow_id, idempotency_key, event_id, session_id, payload, webhook_url, delivery_status, next_attempt_at)
       SELECT trigger_id, customer_id, workflow_id, idempotency_key, event_id, session_id, payload, webhook_url,
              CASE WHEN webhook_url IS NULL THEN 'none' ELSE 'pending' END, CASE WHEN webhook_url IS NULL THEN NULL ELSE now() END
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[]) WITH ORDINALITY
              AS i(trigger_id, customer_id, workflow_id, idempotency_key, event_id, session_id, payload, webhook_url, ord)
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
      ],
    );
    return result.rowCount ?? 0;
  }

  /**
   * Runs `publish` on the oldest unpublished triggers (or dead ones not yet on the dead-letter
   * topic), rows locked so two instances never publish the same ones at once, then marks them.
   * A crash after publishing and before marking publishes them again: same key, same trigger id.
   */
  async publishPending(kind: 'trigger' | 'dead', limit: number, publish: (entries: OutboxEntry[]) => Promise<void>): Promise<number> {
    const pending = kind === 'trigger' ? 'published_at IS NULL' : `delivery_status = 'dead' AND dead_lettered_at IS NULL`;
    const mark = kind === 'trigger' ? 'published_at' : 'dead_lettered_at';
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ trigger_id: string; payload: AutomationTrigger; last_error: string | null; attempts: number }>(
        `SELECT trigger_id, payload, last_error, attempts FROM automation.triggers WHERE ${pending} ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      await publish(rows.map((row) => ({ trigger: row.payload, lastError: row.last_error, attempts: row.attempts })));
      await client.query(`UPDATE automation.triggers SET ${mark} = now() WHERE trigger_id = ANY($1)`, [rows.map((row) => row.trigger_id)]);
      return rows.length;
    });
  }

  /**
   * Leases due deliveries: per endpoint and session only the oldest pending trigger (so a session's
   * triggers arrive in order), at most `perEndpoint` per endpoint, skipping endpoints already busy.
   */
  async leaseDue(limit: number, perEndpoint: number, leaseMs: number): Promise<DueDelivery[]> {
    const { rows } = await this.pool.query<{ payload: AutomationTrigger; webhook_url: string; attempts: number; fired_at: Date }>(
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
       RETURNING t.payload, t.webhook_url, t.attempts, t.fired_at`,
      [limit, perEndpoint, leaseMs],
    );
    return rows.map((row) => ({ trigger: row.payload, webhookUrl: row.webhook_url, attempts: row.attempts, firedAt: row.fired_at }));
  }

  /** Records an attempt and what follows from it, in one transaction. */
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
          WHERE trigger_id = $1`,
        [triggerId, attempt, status, outcome.error, outcome.retryInMs ?? 0],
      );
    });
  }

  /** A customer's triggers, newest first, with their delivery state and attempts. */
  async deliveries(customerId: string, limit: number): Promise<Array<Record<string, unknown>>> {
    const { rows } = await this.pool.query(
      `SELECT t.trigger_id, t.workflow_id, t.idempotency_key, t.event_id, t.webhook_url, t.delivery_status, t.attempts, t.fired_at,
              t.published_at, t.delivered_at, t.next_attempt_at, t.last_error,
              coalesce(json_agg(json_build_object('attempt', a.attempt, 'attempted_at', a.attempted_at, 'status_code', a.status_code, 'error', a.error, 'duration_ms', a.duration_ms)
                       ORDER BY a.attempt) FILTER (WHERE a.attempt IS NOT NULL), '[]') AS attempt_log
         FROM automation.triggers t LEFT JOIN automation.delivery_attempts a USING (trigger_id)
        WHERE t.customer_id = $1 GROUP BY t.trigger_id ORDER BY t.seq DESC LIMIT $2`,
      [customerId, limit],
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
          WHERE customer_id = $1 AND trigger_id = $2 AND webhook_url IS NOT NULL FOR UPDATE),
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
