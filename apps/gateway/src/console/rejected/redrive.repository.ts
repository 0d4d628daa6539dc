import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DATABASE_POOL } from '@tracking/database';
import { REJECTED_EVENTS_RETENTION_DAYS } from '@tracking/vault-schema';

export interface RedriveMark {
  rejectionId: string;
  eventId: string;
  outcome: 'accepted' | 'dropped';
  firstRedrivenAt: Date;
  redrivenAt: Date;
  /** `key:<id>` or the operator actor: never a secret. */
  redrivenBy: string;
  redrives: number;
}

interface MarkRow {
  rejection_id: string;
  event_id: string;
  outcome: 'accepted' | 'dropped';
  first_redriven_at: Date;
  redriven_at: Date;
  redriven_by: string;
  redrives: number;
}

/** gateway.rejection_redrives: which rejections were sent again, when, by whom. Always scoped by tenant in SQL. */
@Injectable()
export class RedriveRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: Pool) {}

  async marks(tenantHk: Buffer, rejectionIds: readonly string[]): Promise<Map<string, RedriveMark>> {
    if (rejectionIds.length === 0) return new Map();
    const { rows } = await this.pool.query<MarkRow>(
      `SELECT rejection_id, event_id, outcome, first_redriven_at, redriven_at, redriven_by, redrives
         FROM gateway.rejection_redrives WHERE tenant_hk = $1 AND rejection_id = ANY($2::text[])`,
      [tenantHk, rejectionIds],
    );
    return new Map(
      rows.map((row) => [
        row.rejection_id,
        {
          rejectionId: row.rejection_id,
          eventId: row.event_id,
          outcome: row.outcome,
          firstRedrivenAt: row.first_redriven_at,
          redrivenAt: row.redriven_at,
          redrivenBy: row.redriven_by,
          redrives: row.redrives,
        },
      ]),
    );
  }

  /** Marks a rejection redriven (once Kafka acknowledged the event); a second redrive updates when and by whom and counts. */
  async mark(tenantHk: Buffer, mark: Pick<RedriveMark, 'rejectionId' | 'eventId' | 'outcome' | 'redrivenBy'>): Promise<RedriveMark> {
    const { rows } = await this.pool.query<MarkRow>(
      `INSERT INTO gateway.rejection_redrives (tenant_hk, rejection_id, event_id, outcome, first_redriven_at, redriven_at, redriven_by)
       VALUES ($1, $2, $3, $4, now(), now(), $5)
       ON CONFLICT (tenant_hk, rejection_id) DO UPDATE
         SET event_id = EXCLUDED.event_id, outcome = EXCLUDED.outcome, redriven_at = EXCLUDED.redriven_at,
             redriven_by = EXCLUDED.redriven_by, redrives = gateway.rejection_redrives.redrives + 1
       RETURNING rejection_id, event_id, outcome, first_redriven_at, redriven_at, redriven_by, redrives`,
      [tenantHk, mark.rejectionId, mark.eventId, mark.outcome, mark.redrivenBy],
    );
    // The marks outlive no rejection: those are gone after 14 days (plus a day of slack for the purge).
    await this.pool.query(`DELETE FROM gateway.rejection_redrives WHERE redriven_at < now() - make_interval(days => $1)`, [REJECTED_EVENTS_RETENTION_DAYS + 1]);
    const row = rows[0] as MarkRow;
    return {
      rejectionId: row.rejection_id,
      eventId: row.event_id,
      outcome: row.outcome,
      firstRedrivenAt: row.first_redriven_at,
      redrivenAt: row.redriven_at,
      redrivenBy: row.redriven_by,
      redrives: row.redrives,
    };
  }
}
