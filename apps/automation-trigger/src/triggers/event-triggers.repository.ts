import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DATABASE_POOL } from '@tracking/database';

/**
 * The triggers one event fired, for the console's event journey: matched by the event's id or by
 * its idempotency key (a retry of the same event under another id fires nothing new, and its
 * journey shows the trigger the first one fired).
 */
@Injectable()
export class EventTriggersRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  async forEvent(customerId: string, eventId: string, idempotencyKey: string | undefined): Promise<Array<Record<string, unknown>>> {
    const { rows } = await this.pool.query(
      `SELECT t.trigger_id, t.workflow_id, t.idempotency_key, t.event_id, t.webhook_url, t.delivery_status, t.attempts, t.fired_at,
              t.published_at, t.delivered_at, t.next_attempt_at, t.last_error,
              coalesce(json_agg(json_build_object('attempt', a.attempt, 'attempted_at', a.attempted_at, 'status_code', a.status_code, 'error', a.error, 'duration_ms', a.duration_ms)
                       ORDER BY a.attempt) FILTER (WHERE a.attempt IS NOT NULL), '[]') AS attempt_log
         FROM automation.triggers t LEFT JOIN automation.delivery_attempts a USING (trigger_id)
        WHERE t.customer_id = $1 AND (t.event_id = $2 OR t.idempotency_key = $3)
        GROUP BY t.trigger_id ORDER BY t.seq`,
      [customerId, eventId, idempotencyKey ?? null],
    );
    return rows;
  }
}
